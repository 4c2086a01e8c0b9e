"""Public addresses of staff mailings (language-prefixed, in registration/urls.py)."""

from django.urls import path

from registration.mailings import views

urlpatterns = [
    path("mailings/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("mailings/bounces/", views.bounce, name="mailing_bounce"),
]
