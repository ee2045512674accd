"""gunicorn settings for an Emporium app server.

    gunicorn -c deploy/gunicorn.conf.py --paste production.ini

Sync workers, one request at a time each, as the proxy tier in front
(HAProxy, Varnish) holds the slow clients. Each worker has its own memory
cache tier and opens the host's shared cache store after the fork; the app
is not preloaded, so that nothing is opened before it. Environment
variables override the defaults below.
"""

import multiprocessing
import os

bind = os.environ.get("EMPORIUM_BIND", "127.0.0.1:6543")
workers = int(os.environ.get("EMPORIUM_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# Behind the proxy tier: its connections are short and local.
timeout = int(os.environ.get("EMPORIUM_WORKER_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 2
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
