"""gunicorn's settings for the production configuration (`make serve` runs it locally).

gunicorn reads this file from the working directory. Environment: BIND (or PORT) and
WEB_CONCURRENCY (worker processes; two per core plus one by default).
"""

import multiprocessing
import os

wsgi_app = "kb.wsgi:application"
bind = os.environ.get("BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# The application logs one structured line per request itself, so gunicorn's access log is off.
accesslog = None
errorlog = "-"
timeout = 30
graceful_timeout = 10
# Recycle workers now and then so one slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# No control socket: it lives at one path per user, which two instances on one machine would share.
control_socket_disable = True
