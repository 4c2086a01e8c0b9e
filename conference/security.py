"""Security headers for the pages we render ourselves."""

from django.conf import settings
from django.http import Http404

from conference.errors import render_error_page

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


class NoNulMiddleware:
    """Text holding a NUL character never reaches a view.

    PostgreSQL cannot store NUL in text, so a NUL that reached a lookup or a
    save (an order code in the address, a voucher code typed into checkout)
    failed with a 500, where SQLite happened to answer. Browsers never send
    one; a fuzzer or an attacker does. So:

    - an address holding "%00" names nothing here: a plain 404, as any wrong
      secret gets;
    - a form field or query parameter holding one is a 400 page naming the
      field; the browser's Back keeps what the visitor typed.

    Under /api/ only the address is checked here: the API's own parsers
    (registration.api.parsers) and filters answer bodies and parameters in the
    API's JSON error shape.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            raise Http404("No such address.")
        field = self._field_with_nul(request)
        if field is not None:
            return render_error_page(request, "400.html", {"field": field}, status=400)
        return self.get_response(request)

    @staticmethod
    def _field_with_nul(request) -> str | None:
        if request.path_info.startswith("/api/"):
            # The API answers in JSON: its parsers check bodies, and its
            # filters validate their parameters (schemathesis sends NULs).
            return None
        sources = [request.GET]
        if request.method == "POST":
            sources.append(request.POST)
        for values in sources:
            for key, items in values.lists():
                if "\x00" in key or any("\x00" in item for item in items):
                    return key.replace("\x00", "")
        return None
