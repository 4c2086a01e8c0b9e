"""A check-in device sees only its own events, by every route it can take.

The device endpoints are found by walking the URL resolver (every view that
takes a device token, and every view of the check-in API and app); each one is
sent another event's identifiers — attendee id, QR secret, list id, search
terms, sync parameters, offline uploads, another device's nonces and pairing
codes — and every answer is checked for the other event's names, e-mail
addresses, ticket type, extras, delegation, secrets and their hashes. An
endpoint added without a probe here fails the walk.
"""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from registration.checkin.api import DeviceTokenAuthentication
from registration.checkin.services.devices import create_device, start_pairing
from registration.checkin.services.scans import hash_secret
from registration.models import CheckIn, CheckInList, Device
from registration.orders.models import AttendeeExtra
from tests.factories import (
    DelegationFactory,
    EventFactory,
    ExtraFactory,
    OrderFactory,
    TicketTypeFactory,
)
from tests.registration.checkin.conftest import make_attendee, nonce

pytestmark = pytest.mark.django_db

DEVICE_MODULES = ("registration.checkin.api", "registration.checkin.views")
REDEEM = "/api/v1/checkin/redeem/"
NOT_SET_UP = {
    "code": "wrong_event",
    "detail": "This device is not set up for that check-in list.",
}
WRONG_EVENT = {
    "status": "error",
    "code": "wrong_event",
    "message": "This ticket is for another event.",
    "type": "entry",
    "attendee": None,
    "previous": None,
    "replayed": False,
}
UNKNOWN = WRONG_EVENT | {
    "code": "unknown_ticket",
    "message": "This code matches no ticket.",
}
NONCE_REUSED = {
    "code": "invalid",
    "detail": "Some fields are not valid.",
    "errors": {
        "nonce": [
            {
                "code": "nonce_reused",
                "message": "This nonce was already used for another scan; "
                "send a new one.",
            }
        ]
    },
}
BAD_PAIRING_CODE = {
    "code": "invalid",
    "detail": "Some fields are not valid.",
    "errors": {
        "code": [
            {
                "code": "invalid",
                "message": "This pairing code is not valid or has expired. "
                "Ask staff for a new one.",
            }
        ]
    },
}


# --- The walk ------------------------------------------------------------------------


def _patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _view(callback):
    return getattr(callback, "cls", None) or getattr(callback, "view_class", callback)


def takes_device_token(callback) -> bool:
    view = _view(callback)
    return DeviceTokenAuthentication in getattr(view, "authentication_classes", ())


def device_endpoints() -> list[str]:
    """Every address a device token opens, and every address of the check-in
    API and app (pairing and the app shell take no token but face devices)."""
    return sorted(
        {
            route
            for route, callback in _patterns(get_resolver())
            if takes_device_token(callback)
            or _view(callback).__module__ in DEVICE_MODULES
        }
    )


def test_only_the_check_in_api_takes_a_device_token():
    elsewhere = [
        route
        for route, callback in _patterns(get_resolver())
        if takes_device_token(callback)
        and _view(callback).__module__ != "registration.checkin.api"
    ]
    assert elsewhere == []


def test_every_device_endpoint_has_a_probe():
    assert device_endpoints() == sorted(PROBES)


# --- Two events ------------------------------------------------------------------------


@pytest.fixture
def world(event, door, guest, client, device):
    """Our device at the conference's door, and a whole other event with its
    own list, people, extras, delegation, device and scans."""
    retreat = EventFactory(name="Secret Retreat 2027", slug="secret-retreat")
    gate = CheckInList.objects.create(event=retreat, name="Retreat gate")
    envoy = TicketTypeFactory(event=retreat, name="Envoy Pass", badge_colour="#7A1F5C")
    cruise = ExtraFactory(event=retreat, name="Moonlight Cruise")
    envoys = DelegationFactory(event=retreat, name="Ulaanbaatar Envoys")
    latin = make_attendee(
        envoy,
        badge_name="Zephyrine Quillfeather",
        given_name="Zephyrine",
        family_name="Quillfeather",
        email="zq@retreat.example",
        organisation="Hidden Harbour Trust",
        city="Qaqortoq",
        delegation=envoys,
    )
    cyrillic = make_attendee(
        envoy,
        badge_name="Всеволод Пряников",
        badge_name_latin="Vsevolod Pryanikov",
        given_name="Всеволод",
        family_name="Пряников",
        email="vp@retreat.example",
        organisation="Northern Lights Bureau",
        city="Norilsk",
    )
    AttendeeExtra.objects.create(attendee=latin, extra=cruise)
    buyer = OrderFactory(event=retreat, buyer_name="Ophelia Retreatbuyer")
    bought = make_attendee(envoy, given_name="Ignatius", family_name="Vexley")
    bought.order = buyer
    bought.save()
    scanner, scanner_token = create_device(name="Retreat scanner", events=[retreat])
    theirs = APIClient()
    theirs.credentials(HTTP_AUTHORIZATION=f"Device {scanner_token}")
    their_nonces = ["retreat-nonce-0001", "retreat-nonce-0002"]
    for person, their_nonce in zip((latin, cyrillic), their_nonces, strict=True):
        answer = theirs.post(
            REDEEM,
            {"list": gate.pk, "nonce": their_nonce, "secret": person.secret},
            format="json",
        ).json()
        assert answer["code"] == "ok"
    pairing_code = start_pairing(scanner)
    others = (latin, cyrillic, bought)
    forbidden = {
        retreat.name,
        retreat.slug,
        gate.name,
        envoy.name,
        envoy.badge_colour,
        cruise.name,
        envoys.name,
        scanner.name,
        scanner_token,
        buyer.buyer_name,
        buyer.code,
        *(
            value
            for person in others
            for value in (
                person.badge_name,
                person.badge_name_latin,
                person.given_name,
                person.family_name,
                person.email,
                person.organisation,
                person.city,
                person.secret,
                hash_secret(person.secret),
                person.order.code,
            )
            if value
        ),
    } - {"attendee@example.org"}  # the factory's e-mail, ours too
    return SimpleNamespace(
        client=client,
        device=device,
        door=door,
        guest=guest,
        retreat=retreat,
        gate=gate,
        latin=latin,
        cyrillic=cyrillic,
        others=others,
        their_nonces=their_nonces,
        pairing_code=pairing_code,
        scanner=scanner,
        scanner_token=scanner_token,
        forbidden=forbidden,
        answers=[],
    )


def _cards(data):
    """Every attendee card in a JSON answer, however deep."""
    if isinstance(data, dict):
        if "given_name" in data:
            yield data
        for value in data.values():
            yield from _cards(value)
    elif isinstance(data, list):
        for value in data:
            yield from _cards(value)


def assert_nothing_of_the_other_event(world, response):
    content_type = response.get("Content-Type", "")
    text = response.content.decode()
    if "json" in content_type:
        data = json.loads(text)
        text = json.dumps(data, ensure_ascii=False)
        assert [c["id"] for c in _cards(data) if c["id"] != world.guest.pk] == []
    folded = text.casefold()
    leaked = sorted(s for s in world.forbidden if s.casefold() in folded)
    assert leaked == [], (response.wsgi_request.get_full_path(), leaked)


def answered(world, response, status_code, expected=None):
    """Check one answer's status and (a subset of) its body, and keep it for the
    leak check."""
    assert response.status_code == status_code, response.content
    if expected is not None:
        body = response.json()
        assert {key: body.get(key) for key in expected} == expected, body
    world.answers.append(response)
    return response


# --- The probes, one per endpoint ------------------------------------------------------


def probe_redeem(world):
    client, door, gate = world.client, world.door, world.gate
    other = world.latin

    def redeem(**body):
        return client.post(REDEEM, body, format="json")

    # A badge of the other event, on the lean and on the full path (a list id
    # as a string only passes DRF's serializer), and uploaded offline.
    lean_nonce = nonce()
    answered(
        world,
        redeem(list=door.pk, nonce=lean_nonce, secret=other.secret),
        200,
        WRONG_EVENT | {"conflict": False},
    )
    answered(
        world,
        redeem(list=str(door.pk), nonce=nonce(), secret=world.cyrillic.secret),
        200,
        WRONG_EVENT | {"conflict": False},
    )
    answered(
        world,
        redeem(
            list=door.pk,
            nonce=nonce(),
            secret=other.secret,
            scanned_at=(timezone.now() - timedelta(minutes=20)).isoformat(),
            offline=True,
            forced=True,
        ),
        200,
        WRONG_EVENT | {"conflict": True},
    )
    # Our own retry of that scan gives the same nothing.
    answered(
        world,
        redeem(list=door.pk, nonce=lean_nonce, secret=other.secret),
        200,
        WRONG_EVENT | {"conflict": False, "replayed": True},
    )
    # An attendee id of the other event finds nobody, whichever path.
    for person in world.others:
        answered(
            world,
            redeem(list=door.pk, nonce=nonce(), attendee=person.pk),
            200,
            UNKNOWN | {"conflict": False},
        )
        answered(
            world,
            redeem(list=str(door.pk), nonce=nonce(), attendee=person.pk),
            200,
            UNKNOWN | {"conflict": False},
        )
        answered(
            world,
            redeem(
                list=door.pk,
                nonce=nonce(),
                attendee=person.pk,
                scanned_at=(timezone.now() - timedelta(minutes=5)).isoformat(),
                offline=True,
                forced=True,
            ),
            200,
            UNKNOWN | {"conflict": True},
        )
    # The other event's list, with anyone's badge or id, online or offline.
    for identifier in (
        {"secret": world.guest.secret},
        {"secret": other.secret},
        {"attendee": other.pk},
        {"attendee": world.guest.pk},
    ):
        answered(world, redeem(list=gate.pk, nonce=nonce(), **identifier), 403)
        assert world.answers[-1].json() == NOT_SET_UP
        offline = {
            "scanned_at": timezone.now().isoformat(),
            "offline": True,
            "forced": True,
        }
        answered(
            world, redeem(list=gate.pk, nonce=nonce(), **identifier, **offline), 403
        )
        assert world.answers[-1].json() == NOT_SET_UP
    # The other device's nonces are not ours to replay.
    first, second = world.their_nonces
    answered(
        world,
        redeem(list=door.pk, nonce=first, secret=other.secret),
        200,
        WRONG_EVENT,
    )
    answered(
        world,
        redeem(list=door.pk, nonce=second, secret=world.guest.secret),
        200,
        {"code": "ok", "replayed": False},
    )
    assert world.answers[-1].json()["attendee"]["name"] == "Amara Okafor"
    # A nonce our device used while it served the other event answers nothing
    # once it no longer does, whatever comes with it.
    world.device.events.add(world.retreat)
    earlier = nonce()
    while_served = redeem(list=gate.pk, nonce=earlier, secret=world.others[2].secret)
    assert while_served.json()["attendee"]["name"] == "Ignatius Vexley"
    world.device.events.remove(world.retreat)
    for identifier in (
        {"secret": other.secret},
        {"secret": world.guest.secret},
        {"secret": "no-such-badge"},
        {"attendee": world.guest.pk},
    ):
        answered(world, redeem(list=door.pk, nonce=earlier, **identifier), 400)
        assert world.answers[-1].json() == NONCE_REUSED
    # Staff still see whose badge came to the wrong door.
    assert CheckIn.objects.filter(
        checkin_list=door, result="wrong_event", attendee=other
    ).exists()


def probe_lists(world):
    for query in ("", f"?event={world.retreat.slug}&list={world.gate.pk}"):
        response = answered(
            world, world.client.get(f"/api/v1/checkin/lists/{query}"), 200
        )
        assert [item["name"] for item in response.json()["lists"]] == ["Main door"]


def probe_sync(world):
    door, gate = world.door, world.gate
    for query in (
        "",
        "?since=2000-01-01T00:00:00Z",
        f"?event={world.retreat.slug}&list={gate.pk}&attendee={world.latin.pk}",
    ):
        response = answered(
            world,
            world.client.get(f"/api/v1/checkin/lists/{door.pk}/sync/{query}"),
            200,
        )
        assert [e["attendee"]["id"] for e in response.json()["attendees"]] == [
            world.guest.pk
        ]
    for query in ("", "?since=2000-01-01T00:00:00Z"):
        answered(
            world,
            world.client.get(f"/api/v1/checkin/lists/{gate.pk}/sync/{query}"),
            403,
        )
        assert world.answers[-1].json() == NOT_SET_UP


def probe_search(world):
    door, gate = world.door, world.gate
    terms = {
        world.latin.given_name,
        world.latin.family_name,
        world.latin.badge_name,
        world.latin.email,
        "retreat.example",
        world.cyrillic.badge_name_latin,
        "Pryanikov",
        world.cyrillic.family_name,
        "Vexley",
        world.latin.secret,
        world.latin.organisation,
        "Ulaanbaatar",
        "Envoy",
        "Moonlight",
        "Ophelia",
    }
    for term in sorted(terms):
        response = answered(
            world,
            world.client.get(f"/api/v1/checkin/lists/{door.pk}/search/", {"q": term}),
            200,
        )
        assert response.json() == {"results": []}, term
    # The search itself works: our own guest is found.
    found = answered(
        world,
        world.client.get(f"/api/v1/checkin/lists/{door.pk}/search/", {"q": "Okafor"}),
        200,
    )
    assert [r["attendee"]["id"] for r in found.json()["results"]] == [world.guest.pk]
    for term in ("Quillfeather", "Okafor", "Pryanikov"):
        answered(
            world,
            world.client.get(f"/api/v1/checkin/lists/{gate.pk}/search/", {"q": term}),
            403,
        )
        assert world.answers[-1].json() == NOT_SET_UP


def probe_pair(world):
    # The pairing endpoint takes no device token; with ours sent along, the
    # other device's token, a badge secret or the other device's expired code
    # pair nothing and name nothing.
    Device.objects.filter(pk=world.scanner.pk).update(
        pairing_expires_at=timezone.now() - timedelta(seconds=1)
    )
    for code in (
        world.scanner_token,
        world.latin.secret,
        world.pairing_code,
        str(world.scanner.pk),
    ):
        answered(
            world,
            world.client.post("/api/v1/checkin/pair/", {"code": code}, format="json"),
            400,
        )
        assert world.answers[-1].json() == BAD_PAIRING_CODE


def probe_app_shell(address):
    def probe(world):
        query = f"?list={world.gate.pk}&attendee={world.latin.pk}&q=Quillfeather"
        for url in (address, address + query):
            answered(world, world.client.get(url), 200)

    return probe


PROBES = {
    "api/v1/checkin/redeem/": probe_redeem,
    "api/v1/checkin/lists/": probe_lists,
    "api/v1/checkin/lists/<id:list_id>/sync/": probe_sync,
    "api/v1/checkin/lists/<id:list_id>/search/": probe_search,
    "api/v1/checkin/pair/": probe_pair,
    "checkin/": probe_app_shell("/checkin/"),
    "checkin/sw.js": probe_app_shell("/checkin/sw.js"),
    "checkin/manifest.webmanifest": probe_app_shell("/checkin/manifest.webmanifest"),
}


@pytest.mark.parametrize("route", device_endpoints())
def test_device_endpoint_shows_nothing_of_another_event(world, route):
    assert route in PROBES, f"{route} faces devices but has no probe here"
    PROBES[route](world)
    assert world.answers, route
    for response in world.answers:
        assert_nothing_of_the_other_event(world, response)
