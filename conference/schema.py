"""OpenAPI schema hooks for drf-spectacular."""


def only_public_api(endpoints):
    """Keep our /api/ endpoints; Wagtail's internal admin API is not part of the contract."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
