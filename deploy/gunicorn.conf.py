"""gunicorn settings for an app machine: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Two workers per core plus one, each with a few threads: the app is I/O bound (database, Redis).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Workers are recycled now and then (a guard against slow leaks), staggered by the jitter. A
# recycle costs a process start (~1.5 s of CPU): at 2,000 requests a busy 2-core machine
# restarted a worker every few seconds and its p95 showed it (bench/load.py).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50000))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
