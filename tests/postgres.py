"""A throw-away PostgreSQL server for tests and benchmarks: Debian's ``postgresql``
package, ``initdb`` and ``pg_ctl`` in a temporary folder on a free port.

As root, PostgreSQL refuses to run, so the server runs as the ``postgres`` user
(``runuser``); its folder belongs to that user. The socket lives in the folder too,
and the server listens on 127.0.0.1 only, with ``trust`` authentication for the
one local role it creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROLE = "losslab"
DATABASE = "losslab"
INSTALL_HINT = ("PostgreSQL's server is not installed. Install Debian's package "
                "(as root): apt-get install -y postgresql, or run `make test`.")


def pg_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` holding ``initdb``."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield its SQLAlchemy URL (psycopg 3); stop and delete it."""
    bindir = pg_bin()
    if bindir is None:
        raise RuntimeError(INSTALL_HINT)
    folder = Path(tempfile.mkdtemp(prefix="losslab-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()

    def run(cmd):
        subprocess.run(_as_server_user(cmd), check=True, capture_output=True,
                       cwd=folder)

    try:
        run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", ROLE,
             "--no-sync", "-E", "UTF8", "--locale", "C"])
        opts = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        run([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l",
             str(folder / "log"), "-w", "-t", "60", "start"])
        run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
             "-U", ROLE, DATABASE])
        yield f"postgresql+psycopg://{ROLE}@127.0.0.1:{port}/{DATABASE}"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data),
                                        "-m", "immediate", "stop"]),
                       capture_output=True, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)


def load_scored(url: str, table: str, y, s, w=None, seg=None) -> None:
    """Create ``table`` (label int, score float8, and weight float8 and segment
    text when given) and COPY the rows in."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    columns = [("label", "integer", y, int), ("score", "double precision", s, float)]
    if w is not None:
        columns.append(("weight", "double precision", w, float))
    if seg is not None:
        columns.append(("segment", "text", seg, str))
    name = '"' + table.replace('"', '""') + '"'
    names = ", ".join(c[0] for c in columns)
    with psycopg.connect(dsn) as con, con.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE TABLE {name} ("
                    + ", ".join(f"{c[0]} {c[1]}" for c in columns) + ")")
        with cur.copy(f"COPY {name} ({names}) FROM STDIN") as cp:
            for i in range(len(s)):
                cp.write_row(tuple(kind(values[i]) for _, _, values, kind in columns))
