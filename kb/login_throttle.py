"""Admin sign-in paused after repeated failures: django-axes, counting before the password check.

The rules (settings in brackets, defaults in parentheses):

- Failures are counted per account from one client address, and per client address whatever
  the account. KB_LOGIN_FAILURES (5) failures of one account from one address, or
  KB_LOGIN_ADDRESS_FAILURES (30) from one address, pause sign-in from that address (for that
  account, or for every account) for KB_LOGIN_LOCK_SECONDS (15 minutes) after the last
  failure counted; the form says so, without checking the password, with a 429 status.
  Attempts refused during the pause are not counted, so the pause ends by itself.
- Nobody is locked out from another address: there is no count per account alone (that would
  let anyone lock a named editor out), and the address is the client's own, not a proxy's.
- The client address is REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT (0) proxies that each
  append the address they received from to X-Forwarded-For, the entry those proxies wrote
  (`client_address`). Entries a client adds itself are further left and are ignored. IPv6
  addresses count per /64, the block one subscriber usually holds.
- A successful sign-in clears that account's count from that address (not the address's count
  for other accounts). Usernames count case-insensitively.
- The counts live in the database (django-axes' AccessAttempt rows, listed in the admin;
  `manage.py axes_reset` clears them), shared by every app server and independent of Redis:
  sign-in works, and is still throttled, while the cache is unreachable.

django-axes checks the counts before the password and adds the failure after it, so a burst of
concurrent guesses all pass its check (jazzband/django-axes#592, "wont fix"; measured here with
its database handler on runserver: 16 of 16 concurrent guesses checked, limit 3). So
`SignInThrottle` counts each attempt *before* its password check, with one atomic UPDATE, and
lets it through only if the totals read after that UPDATE are within the limits: however many
requests race, at most the limit's worth see a total within it (3 of 16 here; under a close race
fewer, never more). A successful sign-in then clears the count.

`authenticate()` without a request (the test client's `login()`, scripts) is not throttled:
there is no client to count.
"""

import ipaddress
import logging

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Sum, Value, When
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def client_address(request):
    """The client's address, as the trusted proxies saw it (AXES_CLIENT_IP_CALLABLE).

    Each of the TRUSTED_PROXY_COUNT proxies appends the address it received the request from to
    X-Forwarded-For, and the last one connects to us (REMOTE_ADDR). So in `X-Forwarded-For +
    [REMOTE_ADDR]` the client is the entry just left of the proxies' own; anything further
    left was written by the client and proves nothing. With fewer entries than that the request
    did not come through the proxies, and REMOTE_ADDR is all we know.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    chain = [*request.META.get("HTTP_X_FORWARDED_FOR", "").split(","), remote] if proxies else [remote]
    chain = [entry.strip() for entry in chain if entry.strip()]
    claimed = chain[-(proxies + 1)] if len(chain) > proxies else remote
    address = _normalise(claimed)
    if address is None and claimed != remote:
        logger.warning("X-Forwarded-For entry %r is not an address; counting REMOTE_ADDR instead", claimed[:100])
        address = _normalise(remote)
    return address


def _normalise(text):
    """One spelling per client: IPv4 as is (also when IPv4-mapped), IPv6 as its /64 block."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:51234
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def username_of(request, credentials):
    """The username as counted (AXES_USERNAME_CALLABLE): `Editor` and `editor` share a count."""
    username = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if username is None and request is not None:
        username = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    return username.casefold()[:255] if isinstance(username, str) else None


def address_limit():
    return settings.KB_LOGIN_ADDRESS_FAILURES


class SignInThrottle(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler, counting each attempt before its password check."""

    def counts(self, request, credentials=None):
        """(failures of this account from this address, failures from this address), recent ones."""
        recent = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        )
        totals = recent.aggregate(
            address=Sum("failures_since_start"),
            account=Sum("failures_since_start", filter=Q(username=get_client_username(request, credentials))),
        )
        return totals["account"] or 0, totals["address"] or 0

    def get_failures(self, request, credentials=None):
        return self.counts(request, credentials)[0]

    def is_locked(self, request, credentials=None):
        account, address = self.counts(request, credentials)
        return account >= settings.AXES_FAILURE_LIMIT or address >= address_limit()

    def is_allowed(self, request, credentials=None):
        """Called by the backend before the password check: refuse, or count this attempt and go on."""
        if self.is_blacklisted(request, credentials):
            return False
        if self.is_whitelisted(request, credentials):
            return True
        if self.is_locked(request, credentials):
            return False
        self._count(request, credentials)
        request.sign_in_counted = True
        # Requests racing this one have been counted too: go on only within the limits.
        account, address = self.counts(request, credentials)
        return account <= settings.AXES_FAILURE_LIMIT and address <= address_limit()

    def _count(self, request, credentials):
        """One more failure on this attempt's row, in one UPDATE (or the INSERT of a first one).

        Single statements, each atomic on its own: no transaction reads before it writes, so
        SQLite waits for its write lock instead of failing, and PostgreSQL locks just the row.
        """
        key = {
            "username": get_client_username(request, credentials),
            "ip_address": request.axes_ip_address,
            "user_agent": request.axes_user_agent,
        }
        expired = Q(attempt_time__lt=get_cool_off_threshold(request))
        for _attempt in range(3):
            updated = AccessAttempt.objects.filter(**key).update(
                failures_since_start=Case(When(expired, then=Value(1)), default=F("failures_since_start") + 1),
                attempt_time=request.axes_attempt_time,
                path_info=request.axes_path_info,
                http_accept=request.axes_http_accept,
            )
            if updated:
                return
            try:
                with transaction.atomic():
                    AccessAttempt.objects.create(
                        **key,
                        failures_since_start=1,
                        path_info=request.axes_path_info,
                        http_accept=request.axes_http_accept,
                        get_data="",
                        post_data="",
                    )
                return
            except IntegrityError:
                continue  # created meanwhile by a concurrent attempt: count on that row

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        """Log a failed sign-in (is_allowed has counted it already) and the pause it may start.

        A request refused before its password check carries `axes_locked_out`, which makes
        AxesMiddleware answer with `locked_out_response`; the failure that reaches a limit is
        answered as any other failure, and the next attempt is refused.
        """
        if request is None or self.is_whitelisted(request, credentials):
            return
        username = get_client_username(request, credentials)
        if request.axes_locked_out:
            logger.info("Sign-in refused while paused: %r from %s", username, request.axes_ip_address)
            return
        self.clean_expired_user_attempts(request, credentials)  # keeps the table to recent attempts
        if not getattr(request, "sign_in_counted", False):
            self._count(request, credentials)  # refused by a backend before ours
        account, address = self.counts(request, credentials)
        request.axes_failures_since_start = account
        logger.info(
            "Failed sign-in: %r from %s (%d for the account, %d for the address)",
            *(username, request.axes_ip_address, account, address),
        )
        if account >= settings.AXES_FAILURE_LIMIT or address >= address_limit():
            logger.warning("Sign-in paused: %r from %s", username, request.axes_ip_address)
            # How an axes handler reports a lockout: axes' public signal, sent by its own handlers too.
            user_locked_out.send("axes", request=request, username=username, ip_address=request.axes_ip_address)

    def reset_user_attempts(self, request, credentials=None):
        """After a successful sign-in: clear this account's failures from this address only."""
        username = get_client_username(request, credentials)
        return AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()[0]


class SignInThrottleBackend(AxesStandaloneBackend):
    """The first authentication backend: refuses, before any password check, while paused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None  # nothing to count without a client (test client's login(), scripts)
        return super().authenticate(request, username=username, password=password, **kwargs)


def locked_out_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page itself (whose form says why), as a 429."""
    if original_response is None or not isinstance(original_response, HttpResponse):
        original_response = HttpResponse(ThrottledAdminAuthenticationForm.locked_message(), content_type="text/plain")
    original_response.status_code = 429
    return original_response


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, saying when sign-in is paused rather than "wrong password"."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked": _(
            "Too many failed sign-in attempts. For your account's safety, sign-in is paused for "
            "%(minutes)d minutes; try again later."
        ),
    }

    @classmethod
    def locked_message(cls):
        return cls.error_messages["locked"] % {"minutes": _lock_minutes()}

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(
                    self.error_messages["locked"], code="locked", params={"minutes": _lock_minutes()}
                ) from None
            raise


def _lock_minutes():
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
