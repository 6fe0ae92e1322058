"""The read replica in the cluster (bench/cluster.py): a private PostgreSQL primary and a
streaming replica of it (`pg_basebackup -R`), started before the app, and the steps that
prove the router (core/dbrouter.py) across two instances behind nginx:

- the catalog, course pages and certificate verification read from the replica (counted in
  the replica's statement log: `log_statement = 'all'`);
- a student who just wrote (enrolled) reads it back at once: the course page right after
  says "Start the course", and that request sent no query to the replica;
- the replica stopped mid-journey loses no request (reads go to the primary, readiness
  reports the replica down), and once it is back reads return to it.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bench.private_servers import PrivatePostgres, PrivateReplica, free_port, port_open, postgres_bin

ROOT = Path(__file__).resolve().parent.parent

DB_NAME = "lectern"
# The router's own queries (lag check, connection ping) are not app reads.
ROUTER_QUERIES = ("pg_is_in_recovery", "SELECT 1")


def log(message):
    print(f"[cluster] {message}", flush=True)


class PrivatePgBouncer:
    """PgBouncer with the [pgbouncer] section of deploy/pgbouncer/pgbouncer.ini (transaction
    mode) in front of the private primary, on a free loopback port (the replica is reached
    directly, as deploy/pgbouncer/pgbouncer.ini explains)."""

    def __init__(self, primary: PrivatePostgres):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="lectern-pgbouncer-"))
        shipped = (ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini").read_text()
        section = shipped[shipped.index("[pgbouncer]") :]
        section = re.sub(
            r"^(listen_addr|listen_port|unix_socket_dir|auth_type|auth_file) =.*$", "", section, flags=re.M
        )
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{DB_NAME} = host=127.0.0.1 port={primary.port} dbname={DB_NAME} user=postgres\n\n"
            + section
            + f"\nlisten_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\nauth_type = trust\n"
            f"auth_file = {self.root / 'userlist.txt'}\nlogfile = {self.root / 'pgbouncer.log'}\n"
        )
        (self.root / "userlist.txt").write_text('"postgres" ""\n')
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:  # pgbouncer refuses to run as root
            shutil.chown(self.root, "postgres", "postgres")
            for path in self.root.iterdir():
                shutil.chown(path, "postgres", "postgres")
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("pgbouncer") is not None

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout=30):
        self.process = subprocess.Popen(
            [*self.as_postgres, shutil.which("pgbouncer"), str(self.root / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                logfile = self.root / "pgbouncer.log"
                raise RuntimeError(
                    f"pgbouncer did not start: {logfile.read_text()[-2000:] if logfile.exists() else ''}"
                )
            time.sleep(0.1)

    def destroy(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        shutil.rmtree(self.root, ignore_errors=True)


class Replication:
    """A primary and its streaming replica on free loopback ports, in temporary folders, and
    PgBouncer in front of the primary when it is installed (else each app process pools its
    own primary connections)."""

    def __init__(self):
        self.primary = PrivatePostgres()
        self.replica = PrivateReplica()
        self.pgbouncer: PrivatePgBouncer | None = None

    @staticmethod
    def available() -> bool:
        return postgres_bin() is not None

    def start(self):
        self.primary.create(DB_NAME)
        self.replica.create_from(self.primary)
        log(f"PostgreSQL primary on :{self.primary.port}, streaming replica on :{self.replica.port}")
        if PrivatePgBouncer.available():
            self.pgbouncer = PrivatePgBouncer(self.primary)
            self.pgbouncer.start()
            log(f"PgBouncer (transaction mode) on :{self.pgbouncer.port} in front of the primary")
        else:
            log("pgbouncer not installed: each app process pools its own connections (DATABASE_POOL)")

    def env(self) -> dict:
        if self.pgbouncer is not None:
            return {
                "DATABASE_URL": self.pgbouncer.url(DB_NAME),
                "DATABASE_REPLICA_URL": self.replica.url(DB_NAME),
                "DATABASE_PGBOUNCER": "true",
            }
        return {
            "DATABASE_URL": self.primary.url(DB_NAME),
            "DATABASE_REPLICA_URL": self.replica.url(DB_NAME),
        }

    def destroy(self):
        if self.pgbouncer is not None:
            self.pgbouncer.destroy()
        self.replica.destroy()
        self.primary.destroy()


class StatementLog:
    """The app's statements that reached the replica since the last `take()`."""

    def __init__(self, replica: PrivateReplica):
        self.path = replica.log_path
        self.offset = self.path.stat().st_size

    def take(self) -> list[str]:
        with self.path.open("rb") as file:
            file.seek(self.offset)
            text = file.read().decode("utf-8", "replace")
            self.offset = file.tell()
        statements = re.findall(rf"db={DB_NAME} LOG:  statement: (.*)", text)
        return [sql for sql in statements if not any(marker in sql for marker in ROUTER_QUERIES)]


def _get(session: requests.Session, url: str) -> requests.Response:
    response = session.get(url, timeout=15)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text[:300]}"
    return response


def _anonymous_reads(base: str, code: str, rounds: int) -> int:
    """Catalog searches (each a page-cache miss), a course page and certificate verification,
    as visitors send them; returns the number of requests (all must answer 200)."""
    visitor = requests.Session()
    sent = 0
    for n in range(rounds):
        _get(visitor, f"{base}/courses/?q={uuid.uuid4().hex[:6]}")
        _get(visitor, f"{base}/courses/?q=python&page={n + 1}")
        body = _get(visitor, f"{base}/api/v1/certificates/verify/{code}/").json()
        assert body["valid"], body
        sent += 3
    return sent


def _ready(base: str) -> dict:
    return requests.get(f"{base}/healthz/ready", timeout=10).json()


def replica_steps(session: requests.Session, base: str, facts: dict, replication: Replication, headers: dict):
    statements = StatementLog(replication.replica)
    ready = _ready(base)
    assert ready["database_replica"]["replica"] == "ok", ready
    log(f"readiness: replica ok, lag {ready['database_replica']['replica_lag_seconds']} s")

    code = session.get(f"{base}/api/v1/certificates/", timeout=10).json()["results"][0]["code"]
    # The student wrote in the journey just before (their pin lasts DATABASE_REPLICA_PIN_SECONDS).
    sent = _anonymous_reads(base, code, rounds=4)
    on_replica = statements.take()
    assert any("certificates_certificate" in sql for sql in on_replica), on_replica[-10:]
    assert any("coursepages_coursepage" in sql for sql in on_replica), on_replica[-10:]
    log(f"{sent} visitor requests (catalog, verification): {len(on_replica)} app queries ran on the replica")

    # Read your own writes: enroll, then at once open the course page (a replica-routed page).
    before = _get(session, f"{base}{facts['second_course_url']}").text
    assert "Enroll for free" in before, "the student should not be enrolled in the second course yet"
    statements.take()
    enroll = session.post(f"{base}/api/v1/courses/{facts['second_course_id']}/enroll/", headers=headers, timeout=10)
    assert enroll.status_code in (200, 201), enroll.text
    assert "lectern_wrote" in session.cookies, "the enroll response did not pin the browser to the primary"
    after = _get(session, f"{base}{facts['second_course_url']}").text
    assert "Start the course" in after, "the student's own enrollment did not read back at once"
    assert statements.take() == [], "the student's read right after their write went to the replica"
    log("the student's enrollment read back at once, from the primary (no query on the replica)")

    # The replica stops mid-journey: no request is lost.
    replication.replica.stop("fast")
    log("replica stopped")
    sent = _anonymous_reads(base, code, rounds=3)
    _get(session, f"{base}{facts['second_course_url']}")
    _get(session, f"{base}/dashboard/")
    ready = _ready(base)
    assert ready["status"] != "error" and ready["database_replica"]["replica"].startswith("error"), ready
    log(f"{sent + 2} requests with the replica down: all answered 200 from the primary; readiness: {ready}")

    replication.replica.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _anonymous_reads(base, code, rounds=1)
        if statements.take():
            break
        time.sleep(1)
    else:
        raise AssertionError("reads did not return to the replica within 30 s of its restart")
    log("replica restarted: reads are back on it")
