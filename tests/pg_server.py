"""A real PostgreSQL server for the tests: Debian's ``postgresql`` package, a fresh
cluster made by ``initdb`` in a temporary folder and started by ``pg_ctl`` on a free
port (``make test`` installs the package when missing, as it does Chromium).

As root (CI), the cluster runs as the ``postgres`` user the package creates:
PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for path in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return path
    raise RuntimeError(
        f"PostgreSQL's {name} is not installed: run `make postgresql` (as root: "
        "apt-get install -y postgresql)."
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PgServer:
    folder: Path
    port: int
    admin_url: str  # superuser: loads the test data
    reader_url: str  # a role that may only read: what the app is given

    def stop(self) -> None:
        _run([pg_bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
              "stop"], check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd, check=True):
    done = subprocess.run(_as_owner(cmd), capture_output=True, text=True,
                          timeout=120)
    if check and done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")
    return done


def start() -> PgServer:
    """initdb, pg_ctl start (waits until it accepts connections), a ``reader``
    role with SELECT rights only. The cluster lives in a fresh folder of its own
    (pytest's are private to root, and the server runs as ``postgres``)."""
    folder = Path(tempfile.mkdtemp(prefix="losslab-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, sock = folder / "data", folder
    _run([pg_bin("initdb"), "-D", str(data), "-U", "losslab", "-A", "trust",
          "--no-sync", "-E", "UTF8"])
    port = free_port()
    opts = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c shared_buffers=64MB")
    _run([pg_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l",
          str(folder / "server.log"), "-w", "-t", "60", "start"])
    base = f"postgresql+psycopg://{{}}@127.0.0.1:{port}/postgres"
    server = PgServer(folder, port, base.format("losslab"), base.format("reader"))
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={port} user=losslab dbname=postgres",
                         autocommit=True) as conn:
        conn.execute("CREATE ROLE reader LOGIN")
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON "
                     "TABLES TO reader")
    return server


def load_scored(server: PgServer, table: str, y, scores, weights=None,
                segments=None) -> None:
    """Create ``table`` (label int, score real, weight int, segment text) and copy
    the rows in."""
    import psycopg
    from psycopg import sql

    cols = [("label", "integer"), ("score", "real")]
    values = [np.asarray(y, dtype=int).tolist(),
              np.asarray(scores, dtype=np.float32).tolist()]
    if weights is not None:
        cols.append(("weight", "integer"))
        values.append(np.asarray(weights, dtype=int).tolist())
    if segments is not None:
        cols.append(("segment", "text"))
        values.append([str(v) for v in segments])
    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=losslab "
                         "dbname=postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(
            sql.Identifier(table),
            sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c),
                                                      sql.SQL(t)) for c, t in cols)))
        names = sql.SQL(", ").join(sql.Identifier(c) for c, _ in cols)
        with conn.cursor() as cur, cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), names)) as copy:
            for row in zip(*values, strict=True):
                copy.write_row(row)
        conn.execute(sql.SQL("GRANT SELECT ON {} TO reader").format(
            sql.Identifier(table)))
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
