r"""Content Security Policy: the browser runs and applies only what this site serves.

Django 5.2 has no CSP of its own, so this middleware adds one header to every response
that does not already carry one. Scripts come only from our own static files (no inline
script anywhere, no CDN); MathJax is one of them. Styles come from our own files too, and
inline styles are allowed for one reason: MathJax's CHTML output writes its font and layout
rules into `<style>` elements at run time, and the styles of `\bbox[...]`, `\style{...}` and
the like into `style` attributes, with text that differs from formula to formula (no hash
can name it, and a per-response nonce would defeat the page cache). A style cannot run
code; the sanitiser strips `<style>` and `style=` from article HTML, MathJax's `ui/safe`
filters the properties TeX may set, and `img-src`/`font-src`/`connect-src` keep every
fetch a style could make on this site.
"""

from django.conf import settings

DEFAULT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_header(policy):
    """`{"script-src": ["'self'"], ...}` -> "script-src 'self'; ..."."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Sets `Content-Security-Policy` from settings.KB_CSP (DEFAULT_POLICY when unset)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = policy_header(getattr(settings, "KB_CSP", DEFAULT_POLICY))

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response
