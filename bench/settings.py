"""The site's settings plus the two ceiling pages (bench/urls.py). Used by `python -m bench.pages`."""

from kb.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
