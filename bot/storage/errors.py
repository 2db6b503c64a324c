"""The storage layer's own errors. Code outside bot/storage/ catches these, never SQLAlchemy's: the
unit of work and the repositories translate the driver's errors on the way out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

# How SQLite and PostgreSQL word a transaction that lost a race for a lock (retrying may succeed).
_LOST_RACE = ("database is locked", "deadlock", "could not serialize", "busy")


class StorageError(Exception):
    pass


class DuplicateRow(StorageError):
    """A write met a UNIQUE key another transaction's row holds already (it got there first)."""


class ValueOutOfRange(StorageError):
    """A number no column holds (an id of 10**30 from a URL): the caller's input, not a failure."""


class DatabaseUnavailable(StorageError):
    """The database refused or lost the transaction: a lock, a deadlock, a serialisation failure, a
    dropped connection. `transient`: the same transaction, started again, may well succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


# How the drivers word a number too large for its column: SQLite's binding raises OverflowError,
# asyncpg "value out of int64 range", PostgreSQL itself "out of range for type integer".
_OUT_OF_RANGE = ("out of int", "out of range for type", "too large to convert")


def translate(error: BaseException) -> StorageError | None:
    """The storage error a driver error stands for; None for the rest (a bug, not a condition)."""
    text = str(error).lower()
    if isinstance(error, OverflowError | DBAPIError) and any(marker in text for marker in _OUT_OF_RANGE):
        return ValueOutOfRange("a number out of the column's range")
    if not isinstance(error, DBAPIError):
        return None
    if isinstance(error, IntegrityError):
        # "UNIQUE constraint failed" (SQLite), "violates unique constraint" (PostgreSQL).
        return DuplicateRow(str(error)) if "unique" in text else None
    transient = any(marker in text for marker in _LOST_RACE)
    if transient or error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
        return DatabaseUnavailable(str(error), transient=transient)
    return None


@contextmanager
def translating() -> Iterator[None]:
    try:
        yield
    except (DBAPIError, OverflowError) as error:
        storage_error = translate(error)
        if storage_error is None:
            raise
        raise storage_error from error
