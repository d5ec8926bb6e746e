"""gunicorn for the references' server: gunicorn.conf.py's serving settings, none of its hooks.

Bind address, workers, timeouts and recycling are read from the site's gunicorn.conf.py (so
both servers pay gunicorn alike, and stay alike when it changes); its hooks are left out
because they load the site (its URLconf, the search dictionary), and the application is
Django's own with bench/reference_settings.py. BIND and WEB_CONCURRENCY come from the benchmark.
"""

import runpy
from pathlib import Path

_site = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
SERVING = ("bind", "workers", "accesslog", "errorlog", "timeout", "graceful_timeout", "max_requests",
           "max_requests_jitter", "control_socket_disable", "preload_app")  # fmt: skip
globals().update({name: _site[name] for name in SERVING})
wsgi_app = "django.core.wsgi:get_wsgi_application()"
