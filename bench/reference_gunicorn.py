"""gunicorn for the references' server: gunicorn.conf.py's serving settings, none of its hooks.

Workers, timeouts and recycling as the site's (so both pay gunicorn alike); the site's hooks
are left out because they load the site (its URLconf, the search dictionary). BIND and
WEB_CONCURRENCY come from the benchmark.
"""

import os

wsgi_app = "django.core.wsgi:get_wsgi_application()"
bind = os.environ["BIND"]
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
accesslog = None
errorlog = "-"
timeout = 30
graceful_timeout = 10
max_requests = 2000
max_requests_jitter = 200
control_socket_disable = True
preload_app = True
