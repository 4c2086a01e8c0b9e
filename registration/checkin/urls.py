"""The volunteer check-in app, mounted at /checkin/ (not language-prefixed)."""

from django.urls import path

from registration.checkin import views as checkin_app

app_name = "checkin"

urlpatterns = [
    path("", checkin_app.app, name="app"),
    path("sw.js", checkin_app.service_worker, name="service_worker"),
    path("manifest.webmanifest", checkin_app.manifest, name="manifest"),
]
