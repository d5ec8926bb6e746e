"""Settings for the knowledge base, read from the environment.

Every value has a development default, so `make run` works on a fresh clone. With
DEBUG off (production), SECRET_KEY, ALLOWED_HOSTS and SITE_URL must be given: start-up
stops with a clear message instead of running with a guessable key, an open host list or
addresses taken from the request's Host header.
"""

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from markup import macros as tex_macros

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name):
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_count(name, default, minimum=0):
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return int(value)


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
# The site's public address: every absolute URL (canonical links, feeds, sitemap) is made from
# it, never from the request's Host header, which the client chooses (kb/site_address.py).
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if not DEBUG:
    required = [("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS), ("SITE_URL", SITE_URL)]
    missing = [name for name, value in required if not value]
    if missing:
        names = " and ".join(missing) if len(missing) < 3 else f"{', '.join(missing[:-1])} and {missing[-1]}"
        raise ImproperlyConfigured(
            f"DEBUG is off, so {names} must be set in the environment (for example "
            "SECRET_KEY=<50 random characters> ALLOWED_HOSTS=kb.example.org SITE_URL=https://kb.example.org)."
        )
SITE_URL = SITE_URL or "http://127.0.0.1:8000"
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.hostname or _site.path or _site.query or _site.fragment:
    raise ImproperlyConfigured(
        f"SITE_URL must be the address readers use, scheme and host only (for example "
        f"https://kb.example.org), not {SITE_URL!r}."
    )
if not SECRET_KEY:
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"
if not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver serves static files the way production does (WhiteNoise), whatever DEBUG says.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "mathjax",
    # Site-wide things (kb/apps.py): health, robots, language, the sign-in throttle. No models.
    "kb",
    "articles",
    # Admin sign-in throttled after repeated failures (kb/login_throttle.py).
    "axes",
]

MIDDLEWARE = [
    # One log line per request, timed from outside everything else.
    "kb.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kb.csp.ContentSecurityPolicyMiddleware",
    # Static files (MathJax included) are served by the site itself, in production too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Stored pages for anonymous readers, before the rest is set up (articles/pagecache.py).
    "articles.pagecache.CachedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface language: the language cookie (set by /language/<code>/), else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last: turns a sign-in refused by the throttle into its 429 page (kb/login_throttle.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kb.urls"

# The public pages are Jinja2 templates (templates/jinja2/, articles/reading/environment.py): the
# engine listed first answers for the names it has, the error pages included. The admin and
# the sitemap index stay Django templates.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "articles.reading.environment.environment",
            "context_processors": ["articles.reading.context_processors.site"],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.reading.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "kb.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection is tested before reuse, so a database restart costs no request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time: a save waits up to 20 s for the one before it instead of failing
    # with "database is locked". IMMEDIATE takes the write lock when a transaction begins: a
    # transaction that read first and then wrote could not wait (SQLite answers "locked" at
    # once rather than risk a deadlock), so two editors saving one article got that error
    # instead of the stale-save conflict page. Write-ahead logging lets readers (pages, a
    # backup's snapshot) go on while one writes, and writers while a backup reads.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
if os.environ.get("KB_TEST_DATABASE_NAME"):
    # A test database of its own for each `make test`, so concurrent runs don't collide.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["KB_TEST_DATABASE_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The largest request body read into memory (form fields; uploaded files are not counted). A
# form sends CJK text as %XX escapes, 9 bytes a character: 8 MB lets a body of several times
# markup/limits.py's MAX_BODY_BYTES reach the form and its field error, with the text kept.
# Past it the site answers 413 (kb/bad_request.py) and the editor refuses to send (editor.js).
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en-us")
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
# The interface in English and Simplified Chinese; content stays in its author's language.
# Compiled catalogues (locale/*/LC_MESSAGES/django.mo) are committed: see README.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
if not DEBUG:
    # Production serves collectstatic's hashed, compressed copies; WhiteNoise gives hashed
    # names a year-long immutable Cache-Control. Development and tests keep plain names.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Redis when REDIS_URL is set (shared by every app server), else each process's own memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "kb.redis_cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "kb"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Whole pages for anonymous readers (articles/pagecache.py). On by default only with Redis: a
# save must reach the cache of every process that serves the site.
KB_PAGE_CACHE = env_bool("KB_PAGE_CACHE", bool(REDIS_URL))
if KB_PAGE_CACHE and not REDIS_URL and not DEBUG:
    # Production runs several processes (gunicorn.conf.py checks its own worker count too).
    raise ImproperlyConfigured(
        "KB_PAGE_CACHE=true needs REDIS_URL with DEBUG off: each process's own memory cache would "
        "keep pages that a save made in another process has changed. Set REDIS_URL, or KB_PAGE_CACHE=false."
    )
KB_PAGE_CACHE_SECONDS = 24 * 3600

# Security headers. X-Content-Type-Options: nosniff and X-Frame-Options: DENY are Django's
# defaults; the Content Security Policy is kb/csp.py. HTTPS=true declares that readers reach
# the site over HTTPS: plain HTTP is redirected, browsers are told to insist on HTTPS
# (HSTS) and cookies travel only over it. Behind a proxy that ends TLS, also set
# TRUST_X_FORWARDED_PROTO=true (only if that proxy sets X-Forwarded-Proto itself).
SECURE_REFERRER_POLICY = "same-origin"
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers check health over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
# No script reads either cookie (the editor takes the CSRF token from its form), so neither is
# readable from JavaScript.
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
# Admin sign-in throttled after repeated failures, by django-axes (kb/login_throttle.py has the
# rules): KB_LOGIN_FAILURES for one account from one client address, KB_LOGIN_ADDRESS_FAILURES
# from one address, then a pause of KB_LOGIN_LOCK_SECONDS. Counted in the database, not the cache.
KB_LOGIN_FAILURES = env_count("KB_LOGIN_FAILURES", 5, minimum=1)
KB_LOGIN_ADDRESS_FAILURES = env_count("KB_LOGIN_ADDRESS_FAILURES", 6 * KB_LOGIN_FAILURES, minimum=1)
KB_LOGIN_LOCK_SECONDS = env_count("KB_LOGIN_LOCK_SECONDS", 15 * 60, minimum=1)
# The number of proxies in front of the site that each append the address they received from to
# X-Forwarded-For (nginx with proxy_add_x_forwarded_for: 1). 0: clients connect directly and
# REMOTE_ADDR is theirs. Too high, and clients can choose their own address.
TRUSTED_PROXY_COUNT = env_count("TRUSTED_PROXY_COUNT", 0)
AUTHENTICATION_BACKENDS = [
    "kb.login_throttle.SignInThrottleBackend",  # first: refuses before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "kb.login_throttle.SignInThrottle"
AXES_FAILURE_LIMIT = KB_LOGIN_FAILURES
AXES_COOLOFF_TIME = timedelta(seconds=KB_LOGIN_LOCK_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "kb.login_throttle.client_address"
AXES_USERNAME_CALLABLE = "kb.login_throttle.username_of"
AXES_LOCKOUT_CALLABLE = "kb.login_throttle.locked_out_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# Where a sign-in goes when its `next` is missing or points off the site.
LOGIN_REDIRECT_URL = "admin:index"
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs: one JSON object per line on stderr (kb/logs.py); one line per request on
# `kb.requests`; errors with their traceback on `django.request`.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "kb.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own handlers print only with DEBUG on, or mail admins; its records come here instead.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}

# Images uploaded from the editor. Development serves them from MEDIA_ROOT (kb/urls.py);
# in production point MEDIA_ROOT at a persistent folder and have the web server serve it at
# MEDIA_URL (Django does not serve media with DEBUG off).
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
KB_IMAGE_MAX_BYTES = int(os.environ.get("KB_IMAGE_MAX_BYTES", str(5 * 1024 * 1024)))

# Tags: `CNN` and `cnn` are one tag; slugs keep CJK (强化学习 -> /tags/强化学习/).
TAGGIT_CASE_INSENSITIVE = True

# Site-wide reading settings.
KB_SITE_NAME = os.environ.get("KB_SITE_NAME", "Knowledge Base")
KB_PAGE_SIZE = 12

# TeX macros every article may use (`\R`, `\E`, `\argmax`, ...), expanded on the server when an
# article is rendered (markup/macros.py), in MathJax's format: {"name": "definition"} or
# {"name": ["definition with #1", 1]}. KB_TEX_MACROS_FILE names a JSON file of more (or
# changed) macros. Pages keep what was rendered at save time: after changing the site's
# macros, run `manage.py render_articles`.
KB_TEX_MACROS = dict(tex_macros.DEFAULT_SITE_MACROS)
if os.environ.get("KB_TEX_MACROS_FILE"):
    try:
        KB_TEX_MACROS.update(json.loads(Path(os.environ["KB_TEX_MACROS_FILE"]).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"KB_TEX_MACROS_FILE: {error}") from None
try:
    tex_macros.use_site_macros(KB_TEX_MACROS)
except tex_macros.MacroError as error:
    raise ImproperlyConfigured(str(error)) from None
