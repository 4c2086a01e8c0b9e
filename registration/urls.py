"""Public registration addresses (language-prefixed)."""

from django.urls import path

from registration.catalogue import views as calendar
from registration.consent import views as consent
from registration.mailings.urls import urlpatterns as mailing_urls
from registration.orders.views import changes, checkout, extras, order_page
from registration.privacy import views as privacy_notice
from registration.programme import views as programme
from registration.travel import views as delegation_page
from registration.waiting_list import views as waiting_list

app_name = "registration"

urlpatterns = [
    path("register/<slug:slug>/", checkout.start, name="checkout"),
    # iCalendar downloads: the event, an attendee's programme.
    path("events/<slug:slug>/calendar.ics", calendar.event_ics, name="event_ics"),
    path(
        "orders/<str:code>/<str:secret>/calendar/<int:attendee_id>.ics",
        calendar.order_attendee_ics,
        name="order_attendee_ics",
    ),
    path(
        "attendees/<str:secret>/calendar.ics",
        calendar.attendee_ics,
        name="attendee_ics",
    ),
    path(
        "register/<slug:slug>/attendees/", checkout.attendees, name="checkout_attendees"
    ),
    path("register/<slug:slug>/review/", checkout.review, name="checkout_review"),
    path("orders/<str:code>/<str:secret>/", order_page.order_detail, name="order"),
    path(
        "orders/<str:code>/<str:secret>/attendees/<int:attendee_id>/",
        order_page.attendee_edit,
        name="attendee_edit",
    ),
    path(
        "orders/<str:code>/<str:secret>/attendees/<int:attendee_id>/answers/",
        changes.order_attendee_answers,
        name="attendee_answers",
    ),
    path(
        "orders/<str:code>/<str:secret>/attendees/<int:attendee_id>/transfer/",
        changes.order_attendee_transfer,
        name="attendee_transfer",
    ),
    path(
        "orders/<str:code>/<str:secret>/tickets/<int:attendee_id>/",
        order_page.attendee_ticket,
        name="order_ticket",
    ),
    path(
        "orders/<str:code>/<str:secret>/extras/",
        extras.buy_extras,
        name="buy_extras",
    ),
    path(
        "orders/<str:code>/<str:secret>/cancel/",
        order_page.order_cancel,
        name="order_cancel",
    ),
    path("attendees/<str:secret>/", order_page.attendee_detail, name="attendee"),
    path("attendees/<str:secret>/extras/", extras.own_extras, name="own_extras"),
    path(
        "attendees/<str:secret>/programme/",
        programme.attendee_sessions,
        name="own_programme",
    ),
    path(
        "attendees/<str:secret>/certificate.pdf",
        programme.own_certificate,
        name="own_certificate",
    ),
    path(
        "certificates/<str:code>/",
        programme.certificate_verification,
        name="certificate",
    ),
    path(
        "events/<slug:slug>/sessions/<int:session_id>.ics",
        programme.session_ics,
        name="session_ics",
    ),
    path(
        "attendees/<str:secret>/answers/",
        changes.attendee_answers,
        name="own_answers",
    ),
    path(
        "attendees/<str:secret>/transfer/",
        changes.attendee_transfer,
        name="own_transfer",
    ),
    path("consent/<str:token>/", consent.consent_form, name="consent"),
    path("privacy/", privacy_notice.privacy_notice, name="privacy"),
    path("waiting-list/<slug:slug>/", waiting_list.join, name="waiting_list_join"),
    path(
        "waiting-list/offer/<str:token>/", waiting_list.offer, name="waiting_list_offer"
    ),
    # The delegation leader's pages.
    path(
        "delegations/<str:secret>/",
        delegation_page.delegation_detail,
        name="delegation",
    ),
    path(
        "delegations/<str:secret>/members/new/",
        delegation_page.member_add,
        name="delegation_member_add",
    ),
    path(
        "delegations/<str:secret>/members/<int:attendee_id>/travel/",
        delegation_page.member_travel,
        name="delegation_member_travel",
    ),
    path(
        "delegations/<str:secret>/members/<int:attendee_id>/edit/",
        delegation_page.member_edit,
        name="delegation_member_edit",
    ),
    path(
        "delegations/<str:secret>/members/<int:attendee_id>/substitute/",
        delegation_page.member_substitute,
        name="delegation_member_substitute",
    ),
    path(
        "delegations/<str:secret>/members/<int:attendee_id>/ticket/",
        delegation_page.member_ticket,
        name="delegation_member_ticket",
    ),
    path(
        "delegations/<str:secret>/close/",
        delegation_page.delegation_close,
        name="delegation_close",
    ),
    path(
        "delegations/<str:secret>/invoice/",
        delegation_page.delegation_invoice,
        name="delegation_invoice",
    ),
]

# Unsubscribing from staff mailings, and the mail service's bounce reports.
urlpatterns += mailing_urls
