"""gunicorn's settings for the production configuration (`make serve` runs it locally).

gunicorn reads this file from the working directory. Environment: BIND (or PORT) and
WEB_CONCURRENCY (worker processes; two per core plus one by default). It refuses to start a
page cache that its workers cannot share (KB_PAGE_CACHE without REDIS_URL, more than one worker).
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
# Load the application once, in the master, before the workers fork: a worker then starts
# (and restarts, after max_requests) at once instead of spending seconds importing, and the
# workers share that memory. Django opens no database connection while loading.
preload_app = True


def on_starting(server):
    """Refuse a page cache that the workers cannot share: each would keep pages that a save
    made through another had changed (the settings refuse it outright with DEBUG off)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if server.cfg.workers > 1 and settings.KB_PAGE_CACHE and isinstance(caches["default"], LocMemCache):
        raise SystemExit(
            f"gunicorn: KB_PAGE_CACHE is on, but the cache is each process's own memory and there are "
            f"{server.cfg.workers} workers: a save through one would leave the others' pages stale. "
            "Set REDIS_URL (a cache they share), or KB_PAGE_CACHE=false, or WEB_CONCURRENCY=1."
        )


def when_ready(server):
    """In the master, before any worker forks: what every worker's first request would load."""
    from django.urls import resolve

    from markup.segmentation import tokenizer

    resolve("/")  # imports the URLconf, and with it every view module
    tokenizer()  # jieba's dictionary (seconds to load; search needs it)
