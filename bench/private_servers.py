"""Throwaway PostgreSQL and Redis servers on loopback, for scripts that must stop, kill or
restart them (bench/faults.py) without touching the shared services on 5432 and 6379.

PostgreSQL comes from initdb/pg_ctl (Debian's /usr/lib/postgresql/<version>/bin); as root
they run as the `postgres` user, which initdb requires. Every server lives in its own
temporary folder on a free port and is removed by `destroy()`."""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """A PostgreSQL cluster of its own: trust auth, loopback only, fsync on (the default),
    so a crash keeps exactly what was committed."""

    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("initdb not found (apt-get install postgresql)")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="lectern-faults-pg-"))
        self.data = self.root / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args, timeout=120):
        return subprocess.run(
            [*self.as_postgres, *map(str, args)], check=True, capture_output=True, text=True, timeout=timeout
        )

    def _pg_ctl(self, *args, timeout=120):
        return self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "postgres.log", *args, timeout=timeout)

    def create(self, database: str):
        self._run(
            self.bin / "initdb",
            "-D",
            self.data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nmax_connections = 200\n"
            )
        self.start()
        self._run(self.bin / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", database)

    def start(self):
        self._pg_ctl("-w", "-t", "60", "start")

    def stop(self, mode="fast"):
        self._pg_ctl("-w", "-t", "60", "-m", mode, "stop")

    def restart(self, mode="immediate"):
        """`immediate` is a crash: no checkpoint, the server recovers from its WAL on start."""
        self._pg_ctl("-w", "-t", "60", "-m", mode, "restart")

    def destroy(self):
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server of its own, with an append-only file (as a broker should have), so a
    stop and a start keep the queued messages."""

    def __init__(self):
        if not shutil.which("redis-server"):
            raise RuntimeError("redis-server not found (apt-get install redis-server)")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="lectern-faults-redis-"))
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout=30):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.root),
                "--logfile",
                str(self.root / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {(self.root / 'redis.log').read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self):
        """A clean shutdown (SIGTERM): the append-only file is flushed, the port closes."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    def destroy(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateReplica(PrivatePostgres):
    """A streaming replica of a PrivatePostgres: `pg_basebackup -R` (which writes
    standby.signal and primary_conninfo) from the running primary, then started on a port of
    its own. `log_statement = 'all'` lets a script count the queries that reached it."""

    def create_from(self, primary: PrivatePostgres, *, log_statements=True):
        self._run(
            primary.bin / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            primary.port,
            "-U",
            "postgres",
            "-D",
            self.data,
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",  # not a spread checkpoint: minutes on an idle primary
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {self.port}\nunix_socket_directories = '{self.root}'\nhot_standby = on\n")
            if log_statements:
                conf.write("log_statement = 'all'\nlog_line_prefix = '%m [%p] db=%d '\n")
        self.start()

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"
