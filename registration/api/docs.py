"""The API's Swagger UI page, served under the site's Content Security Policy."""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI whose start-up script is a separate file (`?script`), not inline.

    drf-spectacular relaxes Cross-Origin-Opener-Policy for OAuth2 pop-ups; the
    API has no OAuth2, so the site's `same-origin` stays.
    """

    authentication_classes = []
    permission_classes = []

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if "Cross-Origin-Opener-Policy" in response.headers:
            del response.headers["Cross-Origin-Opener-Policy"]
        return response
