"""Error pages: the API answers in JSON, the site with its templates."""

from django.http import JsonResponse
from django.views.defaults import page_not_found


def api_not_found(request, exception=None):
    return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)


def not_found(request, exception=None):
    """404 for an address nothing matches; under /api/ the API's error shape."""
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return page_not_found(request, exception)
