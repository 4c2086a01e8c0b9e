from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from registration.payments import views as payment_views

# Not language-prefixed: staff, machines and the language switch itself.
urlpatterns = [
    path("admin/two-factor/", include("conference.two_factor")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("sitemap.xml", sitemap),
    # REST API v1, its OpenAPI schema (/api/schema/) and docs (/api/docs/).
    path("api/", include("registration.api.urls")),
    path(
        "payments/stripe/webhook/", payment_views.stripe_webhook, name="stripe_webhook"
    ),
    path("checkin/", include("registration.checkin.urls")),  # volunteer app
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# English at /, Spanish at /es/, French at /fr/. Wagtail's catch-all comes last.
urlpatterns += i18n_patterns(
    path("", include("registration.urls")),
    path("", include("registration.payments.urls")),  # pay, done, receipts, invoices
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

# Error pages that render without the database or the static manifest; a
# lost database connection answers 503 with Retry-After instead of 500.
handler400 = "conference.errors.bad_request"
handler403 = "conference.errors.permission_denied"
handler404 = "conference.errors.not_found"
handler500 = "conference.errors.server_error"
