"""Several machines on one: two app instances behind nginx, a PostgreSQL primary and its
streaming read replica, Redis, a Celery worker and beat, and an S3-compatible server (moto
in server mode), all on loopback. Then a whole student journey runs across both instances,
and the script checks that nothing depended on one process's memory or disk, and that the
read replica is used safely (bench/cluster_replica.py).

    .venv/bin/python bench/cluster.py            # exits 0 when the journey passes

Needs: initdb/pg_basebackup (PostgreSQL's server binaries; without them the shared
PostgreSQL on 127.0.0.1:5432 is used, with no replica), Redis on 127.0.0.1:6379, nginx and
moto (requirements-dev). Every process it starts is stopped at the end; every wait is
bounded."""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORTS = {"a": 8301, "b": 8302, "nginx": 8300, "s3": 8305}
RUN_ID = uuid.uuid4().hex[:8]
DB_NAME = f"lectern_cluster_{RUN_ID}"
BUCKET = "lectern-cluster"


def log(message):
    print(f"[cluster] {message}", flush=True)


def psql(sql: str, *, check=True):
    """Run one statement as postgres on the shared PostgreSQL (127.0.0.1:5432, trust auth)."""
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql], check=check, capture_output=True
    )


def celery(*args) -> list[str]:
    """The command line of a Celery process of this project's app: `celery -A config <args>`."""
    return [PY, "-m", "celery", "-A", "config", *args]


class Cluster:
    """The environment and the processes of one set-up. By default it uses the shared
    PostgreSQL (a database of its own, dropped at the end) and Redis db 14; bench/faults.py
    passes the URLs of its private servers instead."""

    def __init__(self, workdir: Path, *, database_url: str | None = None, redis_url: str | None = None):
        self.workdir = workdir
        self.processes: list[subprocess.Popen] = []
        self.owns_shared_database = database_url is None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": f"cluster-{RUN_ID}-" + "x" * 40,
            "EARNINGS_ENCRYPTION_KEY": "fS8PbW0wkCgqHRaSmNn5PEW5aLSQ1FEaGp1mVQ7sKbU=",  # a throwaway test key
            "DATABASE_URL": database_url or f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
            "REDIS_URL": redis_url or "redis://127.0.0.1:6379/14",
            "CELERY_QUEUE": f"cluster-{RUN_ID}",
            "CACHE_KEY_PREFIX": f"cluster-{RUN_ID}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{PORTS['nginx']}",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{PORTS['s3']}",
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            # A local media folder that must stay empty: everything goes to S3.
            "MEDIA_ROOT": str(workdir / "local-media"),
            "PRIVATE_MEDIA_ROOT": str(workdir / "local-private"),
            "ACCOUNT_EMAIL_VERIFICATION": "optional",
            "BENCH_VIEWS": "true",  # the /bench/ baseline views (off in any other deployment)
            "PAYMENTS_SANDBOX_ENABLED": "true",  # a test deployment: the fault runs pay through the sandbox
        }

    def start(self, name, args, **kwargs):
        logfile = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )
        process.name = name
        self.processes.append(process)
        return process

    def manage(self, *args, timeout=600):
        result = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def create_database(self):
        """Create the (empty) database that DATABASE_URL names on the shared PostgreSQL."""
        psql(f'CREATE DATABASE "{self.env["DATABASE_URL"].rsplit("/", 1)[1]}"')

    def start_worker(self, name="worker", *, node=None, loglevel="info"):
        """A Celery worker (2 processes) on this set-up's queue; `node` names it (-n) when given."""
        args = ["worker", "-Q", self.env["CELERY_QUEUE"], "-l", loglevel, "--concurrency", "2"]
        if node:
            args += ["-n", node]
        return self.start(name, celery(*args))

    def start_beat(self):
        return self.start("beat", celery("beat", "-l", "info", "--schedule", str(self.workdir / "beat-schedule")))

    def kill(self, process: subprocess.Popen, sig=signal.SIGKILL):
        """Send `sig` to the process and everything it started (its own session), and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)
        self.processes.remove(process)

    def stop(self):
        for process in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        self.processes = []
        if self.owns_shared_database:
            psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', check=False)


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def nginx_conf(workdir: Path) -> Path:
    conf = workdir / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
  access_log {workdir}/nginx-access.log;
  client_body_temp_path {workdir}/nginx-body;
  proxy_temp_path {workdir}/nginx-proxy;
  fastcgi_temp_path {workdir}/nginx-fastcgi;
  uwsgi_temp_path {workdir}/nginx-uwsgi;
  scgi_temp_path {workdir}/nginx-scgi;
  client_max_body_size 50m;
  upstream lectern {{ server 127.0.0.1:{PORTS["a"]}; server 127.0.0.1:{PORTS["b"]}; }}
  server {{
    listen 127.0.0.1:{PORTS["nginx"]};
    location / {{
      proxy_pass http://lectern;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto http;
    }}
  }}
}}
""")
    return conf


def boot(cluster: Cluster):
    env = cluster.env
    if cluster.owns_shared_database:
        cluster.create_database()
    subprocess.run(["redis-cli", "-n", "14", "flushdb"], check=True, capture_output=True)
    cluster.start("s3", [PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(PORTS["s3"])])
    wait_for(f"http://127.0.0.1:{PORTS['s3']}/moto-api/")
    import boto3

    boto3.client(
        "s3",
        endpoint_url=env["AWS_S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=BUCKET)
    log("migrating and seeding the demo")
    cluster.manage("migrate", "--noinput")
    cluster.manage("collectstatic", "--noinput")
    cluster.manage("seed_demo")
    from bench import cluster_steps

    output = cluster.manage("shell", "-c", cluster_steps.SETUP)
    cluster.facts = json.loads(re.search(r"^CLUSTER (.*)$", output, re.M).group(1))
    for name in ("a", "b"):
        cluster.start(
            f"app-{name}",
            [
                PY,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{PORTS[name]}",
                "--workers",
                "2",
                "config.wsgi",
            ],
        )
    cluster.start_worker(node=f"cluster-{RUN_ID}@localhost")
    cluster.start_beat()
    cluster.start("nginx", ["nginx", "-c", str(nginx_conf(cluster.workdir)), "-g", "daemon off;"])
    for port in (PORTS["a"], PORTS["b"], PORTS["nginx"]):
        wait_for(f"http://127.0.0.1:{port}/healthz")


def csrf(session, url):
    page = session.get(url, timeout=10)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    return match.group(1) if match else session.cookies.get("csrftoken")


def journey(cluster: Cluster):
    """Sign in on instance A, continue on instance B, learn through nginx, and check the
    results are shared: sessions, data and files."""
    a, b = f"http://127.0.0.1:{PORTS['a']}", f"http://127.0.0.1:{PORTS['b']}"
    lb = f"http://127.0.0.1:{PORTS['nginx']}"
    session = requests.Session()
    token = csrf(session, f"{a}/accounts/login/")
    response = session.post(
        f"{a}/accounts/login/",
        data={"login": "sipho@lectern.local", "password": "lectern-student", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{a}/accounts/login/"},
        timeout=10,
    )
    assert response.ok and "/accounts/login/" not in response.url, "sign-in on instance A failed"
    dashboard = session.get(f"{b}/dashboard/", timeout=10, allow_redirects=False)
    assert dashboard.status_code == 200, f"instance B does not know the session from A ({dashboard.status_code})"
    log("signed in on A, recognised on B")

    for step in cluster.journey_steps:
        step(session, lb, cluster.facts)
    if getattr(cluster, "replication", None) is not None:
        from bench import cluster_replica, cluster_steps

        headers = cluster_steps._headers(session, lb)
        cluster_replica.replica_steps(session, lb, cluster.facts, cluster.replication, headers)

    body = session.get(f"{lb}/healthz", timeout=10).json()
    assert body["status"] == "ok", body
    local_files = [p for p in cluster.workdir.glob("local-*/**/*") if p.is_file()]
    assert not local_files, f"files were written to an app machine's local disk: {local_files}"
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=cluster.env["AWS_S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    private = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="private/").get("Contents", [])]
    assert any(key.endswith(".pdf") for key in private), f"no certificate PDF in S3: {private}"
    assert any("notes" in key for key in private), f"no uploaded submission in S3: {private}"
    log(f"no file on local disk; {len(private)} private files in S3; health ok through nginx")


def main():
    for tool in ("nginx", "psql", "redis-cli"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="lectern-cluster-"))
    from bench import cluster_replica, cluster_steps

    replication = cluster_replica.Replication() if cluster_replica.Replication.available() else None
    try:
        if replication is not None:
            replication.start()
            cluster = Cluster(workdir, database_url=replication.env()["DATABASE_URL"])
            cluster.env.update(replication.env())
            # The replica steps verify a certificate a dozen times from one address.
            cluster.env["CERTIFICATE_VERIFY_RATE"] = "500/10m"
        else:
            log("initdb not found: one shared PostgreSQL, no read replica")
            cluster = Cluster(workdir)
        cluster.replication = replication
        cluster.journey_steps = cluster_steps.STEPS
        try:
            boot(cluster)
            journey(cluster)
        except Exception:
            for logfile in sorted(workdir.glob("*.log")):
                print(f"--- {logfile.name} (last lines)\n" + "\n".join(logfile.read_text().splitlines()[-30:]))
            raise
        finally:
            cluster.stop()
    finally:
        if replication is not None:
            replication.destroy()
    log(
        "PASSED: the journey ran across two instances with shared state only in PostgreSQL, Redis and S3"
        + (", reads on the streaming replica" if replication else "")
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
