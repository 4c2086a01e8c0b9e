"""Two-factor sign-in (TOTP) for staff, with django-otp.

Optional for every staff user, required for the groups in
settings.TWO_FACTOR_REQUIRED_GROUPS (Finance and Youth protection: money and
the data of minors). After the password, a user with an authenticator app
must enter its code before any admin page; a user of a required group without
one is sent to set it up first. API tokens are not affected: they are issued
by staff and revocable (DESIGN: addresses).

Pages (under /admin/, styled like Wagtail's sign-in page):
- `/admin/two-factor/setup/`: a QR code and the key to type by hand; the
  first correct code confirms the app.
- `/admin/two-factor/verify/`: the code after signing in. Wrong codes slow
  down exponentially (django-otp's throttling on the device).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

# Pages an unverified user may still reach: signing in and out, these pages.
OPEN_VIEWS = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "two_factor_setup",
    "two_factor_verify",
    "wagtailadmin_password_reset",
    # Assets the sign-in layout itself loads.
    "wagtailadmin_sprite",
    "wagtailadmin_javascript_catalog",
}
APP_NAME = "Authenticator app"


def two_factor_required(user) -> bool:
    """Whether `user` must sign in with a second factor (group membership)."""
    return user.groups.filter(name__in=settings.TWO_FACTOR_REQUIRED_GROUPS).exists()


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("wagtailadmin_home")


def _clean_code(raw: str) -> str:
    code = "".join(raw.split())
    if not (code.isdigit() and len(code) == 6):
        raise ValidationError(_("Enter the 6-digit code from your authenticator app."))
    return code


class RequireTwoFactorMiddleware:
    """After django-otp's OTPMiddleware: keeps unverified users out of /admin/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith("/admin/"):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in OPEN_VIEWS:
            return None
        query = urlencode({"next": request.get_full_path()})
        if user_has_device(user, confirmed=True):
            return redirect(f"{reverse('two_factor_verify')}?{query}")
        if two_factor_required(user):
            return redirect(f"{reverse('two_factor_setup')}?{query}")
        return None


@never_cache
@login_required(login_url="wagtailadmin_login")
@require_http_methods(["GET", "POST"])
def setup(request):
    """Add an authenticator app: scan, then confirm with its first code."""
    from registration.documents.services.rendering import qr_data_uri

    user = request.user
    if user_has_device(user, confirmed=True) and not user.is_verified():
        return redirect("two_factor_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
    error = ""
    if request.method == "POST":
        try:
            code = _clean_code(request.POST.get("code", ""))
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            error = _code_error(device, code)
            if not error:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                return redirect(_safe_next(request))
    context = {
        "qr": qr_data_uri(device.config_url),
        "key": _grouped_key(device),
        "error": error,
        "next": _safe_next(request),
        "required": two_factor_required(user),
    }
    return render(
        request, "two_factor/setup.html", context, status=400 if error else 200
    )


@never_cache
@login_required(login_url="wagtailadmin_login")
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of signing in: a code from the user's app."""
    user = request.user
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        return redirect("two_factor_setup")
    error = ""
    if request.method == "POST":
        try:
            code = _clean_code(request.POST.get("code", ""))
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            for device in devices:
                error = _code_error(device, code)
                if not error:
                    otp_login(request, device)
                    return redirect(_safe_next(request))
    context = {"error": error, "next": _safe_next(request)}
    return render(
        request, "two_factor/verify.html", context, status=400 if error else 200
    )


def _code_error(device: TOTPDevice, code: str) -> str:
    """Why `code` does not verify on `device`, or "" when it does.

    Each wrong code doubles the wait before the next try (django-otp).
    """
    allowed, details = device.verify_is_allowed()
    if not allowed:
        until = (details or {}).get("locked_until")
        seconds = max(1, int((until - timezone.now()).total_seconds())) if until else 1
        return _("Too many wrong codes. Wait %(n)s seconds, then try again.") % {
            "n": seconds
        }
    if device.verify_token(code):
        return ""
    return _("That code is not right. Check the time on your phone and try again.")


def _grouped_key(device: TOTPDevice) -> str:
    """The base32 key in groups of four, for typing by hand."""
    import base64

    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


urlpatterns = [
    path("setup/", setup, name="two_factor_setup"),
    path("verify/", verify, name="two_factor_verify"),
]
