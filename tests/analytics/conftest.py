"""Shared fixtures of the analytics tests: a throw-away PostgreSQL server for the push-down tests."""

from __future__ import annotations

import contextlib

import pytest

from benchmarks.postgres import ServerUnavailable, temporary_server


@pytest.fixture(scope="session")
def postgres_url():
    """A SQLAlchemy URL of an empty database on a PostgreSQL server started for this test session on
    127.0.0.1 (``benchmarks.postgres.temporary_server``), stopped at the end. Skips, naming what is
    missing, when PostgreSQL, the psycopg driver or the 'postgres' user (needed as root) is not
    available or the server does not start."""
    pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg is not installed "
                        "(pip install -r requirements.txt)")
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(temporary_server())
        except ServerUnavailable as exc:
            pytest.skip(str(exc))
        yield url
