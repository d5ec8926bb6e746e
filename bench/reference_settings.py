"""Settings of the references' own server (bench/ceilings.py): Django's, and nothing of the site's.

The page benchmark serves the fixed page and the plain template from a gunicorn of their own
(bench/reference_gunicorn.py: the same workers and DEBUG off as the site's), so that the
references hold none of our code: not the site's middleware (request log, Content-Security-Policy,
page cache, language, sign-in throttle), its URLconf, its context or its database. The
middleware is the list `django-admin startproject` writes.
"""

SECRET_KEY = "bench-reference-" + "r3f-" * 12
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.reference_urls"
DATABASES = {}  # the references read nothing
USE_TZ = True
TIME_ZONE = "UTC"
