"""Shared plumbing for the learning benchmarks: a throwaway database, a gunicorn server on
2 workers, and a load run with wrk (or a small threaded client when wrk is missing) that
prints p50/p95 latency and requests per second. Bounded in time; never part of the tests."""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

LUA = """
done = function(summary, latency, requests)
  io.write(string.format('JSON {"p50_ms": %.2f, "p95_ms": %.2f, "rps": %.1f, "requests": %d, "errors": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""


def environment() -> dict:
    work = Path(tempfile.mkdtemp(prefix="lectern-bench-"))
    database = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.sqlite3'}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",  # DEBUG off, like production
        "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_urlsafe(40),  # shared by every worker, so sessions verify
        "MEDIA_ROOT": str(work / "media"),
        "PRIVATE_MEDIA_ROOT": str(work / "private"),
        "BENCH_WORK": str(work),
    }


def prepare(env: dict, setup_code: str) -> dict:
    """Migrate the throwaway database, then run `setup_code` (Python using the ORM) which must
    print one JSON line with {"path": ..., "cookie": ...}."""
    subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    program = "import django, json; django.setup()\n" + setup_code
    output = subprocess.run([PY, "-c", program], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def load(url: str, *, cookie: str = "", seconds: int = 15, connections: int = 50) -> dict:
    if shutil.which("wrk"):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        command = [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
            url,
        ]
        if cookie:
            command[1:1] = ["-H", f"Cookie: {cookie}"]
        output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
        line = next(line for line in output.splitlines() if line.startswith("JSON "))
        return json.loads(line[5:])
    return _threaded_load(url, cookie=cookie, seconds=seconds, connections=connections)


def _threaded_load(url, *, cookie, seconds, connections) -> dict:
    timings, errors, stop = [], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def worker():
        while time.monotonic() < stop:
            request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
            started = time.perf_counter()
            try:
                urllib.request.urlopen(request, timeout=10).read()
                with lock:
                    timings.append(time.perf_counter() - started)
            except OSError:
                with lock:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings.sort()
    pick = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))] * 1000 if timings else 0  # noqa: E731
    return {
        "p50_ms": pick(0.5),
        "p95_ms": pick(0.95),
        "rps": len(timings) / seconds,
        "requests": len(timings),
        "errors": errors[0],
    }


def run(name: str, setup_code: str, *, port: int):
    env = environment()
    target = prepare(env, setup_code)
    server = serve(env, port)
    try:
        seconds = int(os.environ.get("BENCH_SECONDS", "15"))
        connections = int(os.environ.get("BENCH_CONNECTIONS", "50"))
        base = f"http://127.0.0.1:{port}"
        load(base + target["path"], cookie=target.get("cookie", ""), seconds=2, connections=2)  # warm the workers
        page = load(base + target["path"], cookie=target.get("cookie", ""), seconds=seconds, connections=connections)
        bare = load(base + "/healthz", seconds=seconds, connections=connections)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(env["BENCH_WORK"], ignore_errors=True)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{name}: p50 {page['p50_ms']:.1f} ms, p95 {page['p95_ms']:.1f} ms, {page['rps']:.1f} req/s "
        f"({page['requests']} requests, {page['errors']} errors, {connections} connections, {seconds} s)"
    )
    print(
        f"bare Django view (/healthz): p50 {bare['p50_ms']:.1f} ms, p95 {bare['p95_ms']:.1f} ms, "
        f"{bare['rps']:.1f} req/s; page/bare throughput {page['rps'] / bare['rps']:.2f}"
    )
