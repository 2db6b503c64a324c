"""Production hashes passwords at argon2's recommended cost, whatever the suite's cheap hasher does."""

from __future__ import annotations

from argon2 import PasswordHasher, Type, extract_parameters

from bot.accounts import service


def test_production_hasher_meets_owasp_minimum() -> None:
    # OWASP's floor for argon2id: 19 MiB and 2 passes; RFC 9106's low-memory profile is above it.
    parameters = extract_parameters(service.production_hasher().hash("correct horse battery"))
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 19 * 1024
    assert parameters.time_cost >= 2


def test_a_cheaper_hash_is_upgraded_by_production() -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("correct horse battery")
    production = service.production_hasher()
    assert production.check_needs_rehash(cheap)
    assert production.verify(cheap, "correct horse battery")


def test_the_suite_runs_on_a_cheap_hasher() -> None:
    # Guards the speed-up in tests/conftest.py: if it stops applying, tests/accounts doubles in time.
    assert extract_parameters(service.hash_password("correct horse battery")).memory_cost == 1024
