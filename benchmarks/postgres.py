"""A throw-away PostgreSQL server for the push-down tests and benchmarks.

``temporary_server()`` runs initdb and starts a server on 127.0.0.1 (a free port; data directory and
socket in a temporary directory), creates an empty database 'shop', yields its SQLAlchemy URL, and
stops the server and removes the directory afterwards. It never touches a system service. It needs
Debian's server binaries (``bash scripts/install-postgres.sh``); when it cannot run, it raises
``ServerUnavailable`` saying what is missing and how to fix it. Running as root, the server runs as
the 'postgres' user (PostgreSQL refuses root). The temporary directory follows ``TMPDIR``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

INSTALL_HINT = "run `bash scripts/install-postgres.sh` (Debian's postgresql package)"


class ServerUnavailable(RuntimeError):
    """The temporary PostgreSQL server cannot run here; the message names the cause and the fix."""


@contextlib.contextmanager
def temporary_server(*, settings: Mapping[str, str] | None = None) -> Iterator[str]:
    """Start a PostgreSQL server for the duration of the block -> the SQLAlchemy URL (psycopg driver)
    of its empty database 'shop', e.g. ``postgresql+psycopg://postgres@127.0.0.1:54321/shop``.

    ``settings``: extra server settings (name -> value, e.g. ``{"work_mem": "64MB"}``) on top of
    PostgreSQL's defaults and ``fsync=off``. Raises ServerUnavailable when PostgreSQL or the
    'postgres' user is missing or the server does not start; the server is stopped and its files
    removed on leaving the block, also after an error.
    """
    options = _server_options(settings or {})
    binaries = _server_binaries()
    as_user, owner = _run_as()
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
             f"-h 127.0.0.1 -p {port} -k {home} -c fsync=off{options}", "start"),
            ("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "shop"),
        ]
        for tool, *args in steps:
            done = run(tool, *args)
            started = started or tool == "pg_ctl" and done.returncode == 0
            if done.returncode != 0:
                log = home / "server.log"
                tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
                raise ServerUnavailable(f"PostgreSQL did not start: {tool} failed ({done.returncode}): "
                                        f"{(done.stderr or done.stdout).strip()[-800:]} {tail}".strip())
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/shop"
    finally:
        if started:
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)


def _server_binaries() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, pg_ctl and createdb."""
    found = [Path(b) for b in glob.glob("/usr/lib/postgresql/*/bin")
             if all(os.access(Path(b) / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "createdb"))]
    if not found:
        raise ServerUnavailable(f"PostgreSQL is not installed: no initdb / pg_ctl / createdb under "
                                f"/usr/lib/postgresql/*/bin; {INSTALL_HINT}")
    return max(found, key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0)


def _run_as() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that runs the server tools and the user owning its files: as root,
    ``runuser -u postgres --`` and the 'postgres' user; otherwise nothing and None (this user)."""
    if os.geteuid() != 0:
        return [], None
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerUnavailable("PostgreSQL refuses to run as root and there is no 'postgres' user to "
                                f"run it as; {INSTALL_HINT}, which creates that user") from None
    if shutil.which("runuser") is None:
        raise ServerUnavailable("PostgreSQL refuses to run as root and runuser (util-linux) is missing")
    return ["runuser", "-u", "postgres", "--"], owner


def _server_options(settings: Mapping[str, str]) -> str:
    """``settings`` as `` -c name=value`` options for pg_ctl -o (which splits them at spaces)."""
    for name, value in settings.items():
        if not name.replace("_", "").replace(".", "").isalnum() or not str(value) \
                or any(c.isspace() or c in "'\"\\" for c in str(value)):
            raise ValueError(f"temporary_server: the setting {name}={value!r} must be a name and a "
                             "value without spaces or quotes, e.g. work_mem=64MB.")
    return "".join(f" -c {name}={value}" for name, value in settings.items())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
