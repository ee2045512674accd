"""gunicorn settings for an Emporium app server.

    gunicorn -c deploy/gunicorn.conf.py --paste production.ini

Threaded workers (gthread), EMPORIUM_THREADS requests at a time each; the
proxy tier in front (HAProxy, Varnish) holds the slow clients, and HAProxy
gives a server no more requests than its workers x threads
(EMPORIUM_APP_MAXCONN), so a health check never waits behind a queue here.
Chosen by measurement over sync workers (docs/degrading.md): a third less
CPU a request (the balancer's connections are kept alive, and a thread
waiting on PostgreSQL or Redis leaves the CPU to another), and the health
checks answered as promptly under a bounded load. The app is thread-safe:
the embedded server, waitress, runs it on threads too. Each worker has its
own memory cache tier and opens the host's shared cache store after the
fork; the app is not preloaded, so that nothing is opened before it.
Environment variables override the defaults below.
"""

import multiprocessing
import os

# Compiled templates are kept in this folder (Chameleon's CHAMELEON_CACHE),
# shared by the workers and kept over restarts: without it each worker
# compiles every template on its first requests, seconds of CPU each, all
# at once on a cold start. The folder is the server's own (mode 0700): what
# is in it is run.
template_cache = os.environ.get("EMPORIUM_TEMPLATE_CACHE")
if template_cache:
    os.makedirs(template_cache, mode=0o700, exist_ok=True)
    os.environ.setdefault("CHAMELEON_CACHE", template_cache)

bind = os.environ.get("EMPORIUM_BIND", "127.0.0.1:6543")
workers = int(os.environ.get("EMPORIUM_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("EMPORIUM_THREADS", 4))
# Behind the proxy tier: its connections are short and local.
timeout = int(os.environ.get("EMPORIUM_WORKER_TIMEOUT", 30))
graceful_timeout = 20
# The balancer's connections are reused between requests.
keepalive = 5
# Recycle workers now and then (a leak never grows for ever); the jitter
# keeps them from all restarting at once with an empty memory tier.
max_requests = int(os.environ.get("EMPORIUM_MAX_REQUESTS", 20_000))
max_requests_jitter = max_requests // 10
preload_app = False
accesslog = os.environ.get("EMPORIUM_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("EMPORIUM_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("EMPORIUM_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "emporium"


def worker_exit(server, worker):
    """Leaves the app's objects out of the collections the interpreter runs
    as it exits: a worker's heap took seconds to sweep on a busy box, so a
    stop or a worker's recycling waited on it. Exit handlers still run."""
    import gc

    gc.freeze()
