"""The outbox's statements that run once for every message sent, written out (text statements are
compiled once; SQLAlchemy's constructs for these would be built and keyed again each time)."""

from __future__ import annotations

from sqlalchemy import ARRAY, BigInteger, DateTime, Float, Integer, String, bindparam, text

# Written out: these run once for every message sent, and text statements are compiled once.
_FINISH_ROW_SQL = """
    UPDATE outbox SET attempts = :attempts, status = :status, last_error = :error, leased_by = NULL,
        sent_at = COALESCE(:sent_at, sent_at), external_id = COALESCE(:external_id, external_id),
        next_attempt_at = COALESCE(:next_attempt_at, next_attempt_at)
    WHERE id = :id AND status IN ('sending', 'started') AND leased_by = :by
    RETURNING id
"""
_RECORD_ATTEMPT_SQL = """
    INSERT INTO delivery_attempts (outbox_id, attempt, at, outcome, error, retry_after)
    VALUES (:id, :attempts, :now, :outcome, :error, :retry_after)
"""
_TIMES = (
    bindparam("now", type_=DateTime(timezone=True)),
    bindparam("sent_at", type_=DateTime(timezone=True)),
    bindparam("next_attempt_at", type_=DateTime(timezone=True)),
    bindparam("external_id", type_=String()),
    bindparam("retry_after", type_=Float()),
)
FINISH_ROW = text(_FINISH_ROW_SQL).bindparams(*_TIMES[1:4])
RECORD_ATTEMPT = text(_RECORD_ATTEMPT_SQL).bindparams(_TIMES[0], _TIMES[4])
FINISH = text(
    f"WITH finished AS ({_FINISH_ROW_SQL})"  # noqa: S608 (constants only; every value is a bound parameter)
    " INSERT INTO delivery_attempts (outbox_id, attempt, at, outcome, error, retry_after)"
    " SELECT id, :attempts, :now, :outcome, :error, :retry_after FROM finished RETURNING outbox_id"
).bindparams(*_TIMES)

# The batch's columns as arrays, unnested into rows: one statement text for any batch size (prepared
# once per connection), and a row recorded only while it is still leased to this sender.
FINISHED_ARRAYS = ("status", "error", "sent_at", "external_id", "next_attempt_at", "outcome", "retry_after")
FINISH_MANY_SQL = """
    WITH done AS (
        SELECT * FROM unnest(
            CAST(:id AS bigint[]), CAST(:attempts AS integer[]), CAST(:status AS varchar[]),
            CAST(:error AS text[]), CAST(:sent_at AS timestamptz[]), CAST(:external_id AS varchar[]),
            CAST(:next_attempt_at AS timestamptz[]), CAST(:outcome AS varchar[]), CAST(:retry_after AS float8[])
        ) AS d (id, attempts, status, error, sent_at, external_id, next_attempt_at, outcome, retry_after)
    ), finished AS (
        UPDATE outbox AS o SET attempts = d.attempts, status = d.status, last_error = d.error, leased_by = NULL,
            sent_at = COALESCE(d.sent_at, o.sent_at), external_id = COALESCE(d.external_id, o.external_id),
            next_attempt_at = COALESCE(d.next_attempt_at, o.next_attempt_at)
        FROM done AS d
        WHERE o.id = d.id AND o.status IN ('sending', 'started') AND o.leased_by = :by
        RETURNING o.id
    )
    INSERT INTO delivery_attempts (outbox_id, attempt, at, outcome, error, retry_after)
    SELECT d.id, d.attempts, :now, d.outcome, d.error, d.retry_after FROM done AS d JOIN finished AS f ON f.id = d.id
    RETURNING outbox_id
"""
FINISH_MANY = text(FINISH_MANY_SQL).bindparams(
    _TIMES[0],
    bindparam("id", type_=ARRAY(BigInteger)),
    bindparam("attempts", type_=ARRAY(Integer)),
    bindparam("status", type_=ARRAY(String)),
    bindparam("error", type_=ARRAY(String)),
    bindparam("sent_at", type_=ARRAY(DateTime(timezone=True))),
    bindparam("external_id", type_=ARRAY(String)),
    bindparam("next_attempt_at", type_=ARRAY(DateTime(timezone=True))),
    bindparam("outcome", type_=ARRAY(String)),
    bindparam("retry_after", type_=ARRAY(Float)),
)
