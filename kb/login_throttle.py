"""Admin sign-in throttled after repeated failures, counted in the cache.

After KB_LOGIN_FAILURES (5) failed attempts for one username from one address, or six
times as many from one address whatever the username, further attempts are refused for
KB_LOGIN_LOCK_SECONDS (15 minutes) without checking the password, and the form says so. A successful
sign-in clears the username's count. The counts live in the default cache: shared by
every app server with Redis (REDIS_URL), per process otherwise.

Keyed on the pair rather than the username alone, so that nobody can lock an editor out
by guessing wrong in their name from elsewhere.
"""

import hashlib

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


def _limit():
    return getattr(settings, "KB_LOGIN_FAILURES", 5)


def _lock_seconds():
    return getattr(settings, "KB_LOGIN_LOCK_SECONDS", 15 * 60)


def _address(request):
    return (request.META.get("REMOTE_ADDR") or "unknown") if request is not None else "unknown"


def _key(*parts):
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"login-failures:{digest}"


def _keys(request, username):
    address = _address(request)
    return _key("user", (username or "").casefold(), address), _key("address", address)


def _count(key):
    return cache.get(key, 0)


def is_locked(request, username):
    """True while sign-in for `username` from this request's address is refused."""
    pair, address = _keys(request, username)
    return _count(pair) >= _limit() or _count(address) >= 6 * _limit()


def _bump(key):
    # add() then incr(): atomic in Redis, so concurrent failures are all counted.
    if not cache.add(key, 1, _lock_seconds()):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, _lock_seconds())


@receiver(user_login_failed)
def count_failure(sender, credentials, request=None, **kwargs):
    for key in _keys(request, credentials.get("username", "")):
        _bump(key)


@receiver(user_logged_in)
def clear_failures(sender, request, user, **kwargs):
    cache.delete(_keys(request, user.get_username())[0])


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, refusing (before any password check) while locked."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked": _(
            "Too many failed sign-in attempts. For your account's safety, sign-in is paused for "
            "%(minutes)d minutes; try again later."
        ),
    }

    def clean(self):
        if is_locked(self.request, self.cleaned_data.get("username")):
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": max(1, _lock_seconds() // 60)}
            )
        return super().clean()
