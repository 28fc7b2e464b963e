"""gunicorn's settings for fieldapp in production (docs/deploy.md):
    gunicorn -c deploy/gunicorn.conf.py wsgi:app
Each value can be overridden by the environment variable named beside it."""
import multiprocessing
import os

bind = os.environ.get("FIELDAPP_BIND", "127.0.0.1:8000")  # nginx in front, on this machine
# gthread: threads overlap database round trips (bench/ingest.py measures the settings)
worker_class = "gthread"
workers = int(os.environ.get("FIELDAPP_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("FIELDAPP_THREADS", 4))
timeout = 120            # an upload of a 200 MB video on a slow link, or a big audit file
graceful_timeout = 30
keepalive = 5
max_requests = 5000      # a worker is replaced now and then, so no leak grows for long
max_requests_jitter = 500
# JSON lines with each request's id; device tokens and credentials written as ***
logger_class = "fieldapp.serving.JsonLogger"
accesslog = "-"
errorlog = "-"
loglevel = "warning"
# nginx; the app itself trusts X-Forwarded-* only with FIELDAPP_PROXY_HOPS
forwarded_allow_ips = "127.0.0.1"
