"""Security headers for the pages we render ourselves."""

from django.conf import settings
from django.http import Http404

# No 'unsafe-inline': templates carry no inline scripts, styles or handlers.
# Stripe Checkout is reached by a redirect after a form post, which Chromium
# checks against form-action.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self' https://checkout.stripe.com",
    ]
)
# The Wagtail admin ships inline scripts and styles of its own; it is for
# logged-in staff only and keeps Django's other protections.
EXEMPT_PREFIXES = ("/admin/", "/django-admin/")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = tuple(getattr(settings, "CSP_EXEMPT_PREFIXES", EXEMPT_PREFIXES))

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(self.exempt):
            response.headers.setdefault(
                "Content-Security-Policy", CONTENT_SECURITY_POLICY
            )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), microphone=(), geolocation=()"
        )
        return response


class NoNulInPathMiddleware:
    """An address holding "%00" names nothing here: answer 404 at once.

    Otherwise the NUL reaches a lookup (an order code, a badge secret, a
    Wagtail page slug) and PostgreSQL, which cannot hold NUL in text, fails
    with a 500 instead of the plain 404 a wrong secret gets (issue 9).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            raise Http404("No such address.")
        return self.get_response(request)
