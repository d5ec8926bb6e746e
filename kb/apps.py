"""The project's own app, for site-wide things: no models, no tables, no migrations.

Health, robots, favicon, language, the site address and the admin's sign-in throttle belong to
the whole site rather than to the articles; as an app, `kb` wires them in `ready()`, like any
other app, instead of relying on which module happens to be imported first.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("Site")

    def ready(self):
        """Everything `kb` wires into Django is wired here, and nowhere else.

        django-axes connects its own receivers (sign-in failed, succeeded, signed out) in its
        `ready()` and hands them to AXES_HANDLER (kb.login_throttle.SignInThrottle), loaded by
        name from the settings. What is ours to wire is the admin's sign-in form, which says
        that sign-in is paused rather than "wrong password": it used to be set only as a side
        effect of importing kb/urls.py.
        """
        from django.contrib import admin

        from kb.login_throttle import ThrottledAdminAuthenticationForm

        admin.site.login_form = ThrottledAdminAuthenticationForm
