"""Shared fixtures of the analytics tests: a throw-away PostgreSQL server for the push-down tests."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

_INSTALL_HINT = "run `bash scripts/install-postgres.sh` (Debian's postgresql package)"


def _server_binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, pg_ctl and createdb."""
    found = [Path(b) for b in glob.glob("/usr/lib/postgresql/*/bin")
             if all(os.access(Path(b) / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "createdb"))]
    return max(found, key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0, default=None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A SQLAlchemy URL of an empty database on a PostgreSQL server started for this test session on
    127.0.0.1 (a free port, data and socket in a temporary directory), stopped at the end. Running as
    root, the server runs as the 'postgres' user (PostgreSQL refuses root). Skips, naming what is
    missing, when PostgreSQL, the psycopg driver or that user is not available or the server does not
    start."""
    binaries = _server_binaries()
    if binaries is None:
        pytest.skip(f"PostgreSQL is not installed: no initdb / pg_ctl / createdb under "
                    f"/usr/lib/postgresql/*/bin; {_INSTALL_HINT}")
    pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg is not installed "
                        "(pip install -r requirements.txt)")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("PostgreSQL refuses to run as root and there is no 'postgres' user to run it "
                        f"as; {_INSTALL_HINT}, which creates that user")
        if shutil.which("runuser") is None:
            pytest.skip("PostgreSQL refuses to run as root and runuser (util-linux) is missing")
        as_user = ["runuser", "-u", "postgres", "--"]
    home = Path(tempfile.mkdtemp(prefix="pushdown-pg-"))
    if owner is not None:
        os.chown(home, owner.pw_uid, owner.pw_gid)
    data, port = home / "data", _free_port()

    def run(tool: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*as_user, str(binaries / tool), *args], capture_output=True, text=True,
                              timeout=120, check=False)

    started = False
    try:
        steps = [
            ("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync"),
            ("pg_ctl", "-D", str(data), "-l", str(home / "server.log"), "-w", "-t", "60", "-o",
             f"-h 127.0.0.1 -p {port} -k {home} -c fsync=off", "start"),
            ("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "shop"),
        ]
        for tool, *args in steps:
            done = run(tool, *args)
            started = started or tool == "pg_ctl" and done.returncode == 0
            if done.returncode != 0:
                log = home / "server.log"
                tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
                pytest.skip(f"PostgreSQL did not start: {tool} failed ({done.returncode}): "
                            f"{(done.stderr or done.stdout).strip()[-800:]} {tail}".strip())
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/shop"
    finally:
        if started:
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)
