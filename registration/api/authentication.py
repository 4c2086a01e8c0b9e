"""API token authentication: `Authorization: Token <token>` (or `Bearer <token>`)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from registration.models import ApiToken
from registration.staff.services.api_tokens import find_token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A staff user's token, looked up by its SHA-256 digest; revoked tokens fail."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if (
            not header
            or header[0].decode(errors="replace").lower() not in self.keywords
        ):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as `Authorization: Token <token>`.")
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from exc
        token = find_token(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        return (token.user, token)

    def authenticate_header(self, request):
        return "Token"


class TokenScope(permissions.BasePermission):
    """A read-only API token may only read (GET, HEAD, OPTIONS)."""

    message = _("This API token is read-only.")

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in permissions.SAFE_METHODS
        return True


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "registration.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A staff user's API token (`manage.py create_api_token USERNAME`), "
                "sent as `Token <token>`."
            ),
        }
