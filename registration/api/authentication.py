"""API token authentication: `Authorization: Token <token>` (or `Bearer <token>`)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from registration.services.api_tokens import find_user_by_token


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
        user = find_user_by_token(raw)
        if user is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        return (user, None)

    def authenticate_header(self, request):
        return "Token"


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
