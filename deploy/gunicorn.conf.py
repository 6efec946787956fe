"""gunicorn for Cloud Run (and the CI smoke test): `gunicorn -c deploy/gunicorn.conf.py`.

Cloud Run sends each instance up to `--concurrency` requests at once and gives it PORT. Django's
views block on the database, so threads (gthread) carry the concurrency cheaply: WEB_CONCURRENCY
processes (one per vCPU) x GUNICORN_THREADS threads should match the service's --concurrency.
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8080')}"
wsgi_app = "ncc.wsgi:application"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Load Django once in the master, then fork: faster cold starts, shared memory pages. No database
# connection is opened at import, so none is shared across the fork.
preload_app = True
# Cloud Run ends a request at its own timeout (default 300 s); ours is the worker watchdog.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# Cloud Run gives an instance 10 seconds after SIGTERM: finish requests in flight within that.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "8"))
keepalive = 75  # longer than the front end's idle timeout, so it closes connections, not us
# Recycle workers now and then so a slow leak never takes an instance down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Only Cloud Run's front end can reach the container, so its X-Forwarded-* headers are trusted.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
control_socket_disable = True

# Cloud Run already logs every request; an access log of our own is off unless asked for.
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in ("1", "true") else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if os.environ.get("LOG_FORMAT", "json" if os.environ.get("DEBUG", "").lower() in ("0", "false", "no", "off") else "plain") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ncc.logging.CloudLoggingFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                                 "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(),
                               "propagate": False},
            "gunicorn.access": {"handlers": ["console"] if accesslog else [], "level": "INFO",
                                "propagate": False},
        },
    }
