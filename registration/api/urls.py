"""REST API addresses (not language-prefixed), mounted at /api/."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView

from conference.errors import api_not_found
from registration.api.docs import ApiDocsView
from registration.orders.api import changes, lists, order_changes, views

app_name = "api"

urlpatterns = [
    path("v1/events/", views.EventList.as_view(), name="event_list"),
    path("v1/events/<slug:slug>/", views.EventDetail.as_view(), name="event_detail"),
    path(
        "v1/events/<slug:slug>/orders/",
        views.OrderCreate.as_view(),
        name="order_create",
    ),
    path("v1/orders/", lists.OrderList.as_view(), name="order_list"),
    path("v1/attendees/", lists.AttendeeList.as_view(), name="attendee_list"),
    path(
        "v1/attendees/<id:pk>/",
        changes.AttendeeUpdate.as_view(),
        name="attendee_update",
    ),
    path(
        "v1/attendees/<id:pk>/answers/",
        changes.AttendeeAnswers.as_view(),
        name="attendee_answers",
    ),
    path(
        "v1/attendees/<id:pk>/transfer/",
        changes.AttendeeTransfer.as_view(),
        name="attendee_transfer",
    ),
    path("v1/orders/<str:code>/", views.OrderDetail.as_view(), name="order_detail"),
    path(
        "v1/orders/<str:code>/cancel/", views.OrderCancel.as_view(), name="order_cancel"
    ),
    path(
        "v1/orders/<str:code>/revive/", views.OrderRevive.as_view(), name="order_revive"
    ),
    path(
        "v1/orders/<str:code>/changes/",
        order_changes.OrderChanges.as_view(),
        name="order_changes",
    ),
    path("v1/checkin/", include("registration.checkin.api")),
    path("v1/", include("registration.payments.api")),  # mark-paid, refunds
    path("v1/", include("registration.network.api")),  # partnerships, exchanges
    path("v1/", include("registration.travel.api")),  # delegations, travel
    path("v1/", include("registration.mailings.api")),  # staff mailings, e-mail log
    path("v1/", include("registration.programme.api")),  # sessions, sign-ups
    # Public: anyone may read the schema and its docs (DESIGN: addresses).
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
    path(
        "docs/",
        ApiDocsView.as_view(url_name="api:schema"),
        name="docs",
    ),
    # Anything else under /api/ is a JSON 404 for every method, rather than
    # falling through to Wagtail's page catch-all (an HTML 404, or a CSRF 403
    # for PUT and POST).
    re_path(r"", csrf_exempt(api_not_found)),
]
