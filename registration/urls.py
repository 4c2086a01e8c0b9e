"""Public registration addresses (language-prefixed)."""

from django.urls import path

from registration.views import checkout

app_name = "registration"

urlpatterns = [
    path("register/<slug:slug>/", checkout.start, name="checkout"),
]
