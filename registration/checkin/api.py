"""Check-in API for volunteer devices, mounted at /api/v1/checkin/.

Devices authenticate with `Authorization: Device <token>` (stored as SHA-256,
revocable) and may do nothing but check-in for their own events: these views
accept no other credentials, and no other view accepts a device token.
"""

import json
import re

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import authentication, exceptions, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.utils import encoders
from rest_framework.views import APIView

from registration.api.converters import MAX_ID
from registration.api.exceptions import exception_handler
from registration.checkin.services.devices import (
    CheckInError,
    find_device_and_list,
    find_device_by_token,
    get_list_for_device,
    lists_for_device,
    pair_device,
    record_device_seen,
)
from registration.checkin.services.scans import (
    ScanAnswer,
    attendee_card,
    list_config,
    redeem_ticket,
    search_attendees,
    sync_list,
)
from registration.errors import Busy
from registration.models import CheckInResult, CheckInType, Device
from registration.orders.api.serializers import ErrorSerializer

# --- Authentication and permissions --------------------------------------------------


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Device <token>`; request.auth is the Device (maybe revoked)."""

    keyword = "device"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as `Authorization: Device <token>`.")
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from exc
        device = find_device_by_token(raw)
        if device is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        return (AnonymousUser(), device)

    def authenticate_header(self, request):
        return "Device"


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "registration.checkin.api.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A check-in device token, sent as `Device <token>`: from pairing "
                "(`POST /api/v1/checkin/pair/`) or "
                "`manage.py create_checkin_device --event SLUG --name NAME`."
            ),
        }


class IsDevice(BasePermission):
    message = _("This address is for paired check-in devices.")

    def has_permission(self, request, view):
        return isinstance(request.auth, Device)


class IsActiveDevice(IsDevice):
    message = _("This device has been revoked. Ask staff to pair it again.")
    code = "revoked"

    def has_permission(self, request, view):
        return super().has_permission(request, view) and not request.auth.is_revoked


class DeviceView(APIView):
    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsActiveDevice]

    def checkin_list(self, list_id):
        try:
            return get_list_for_device(self.request.auth, int(list_id))
        except CheckInError as exc:
            raise exceptions.PermissionDenied(exc.message, code=exc.code) from exc


# --- Shapes ----------------------------------------------------------------------------


class AttendeeCardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="As printed on the badge.")
    name_latin = serializers.CharField(
        help_text="Latin transliteration printed under a name in another script; "
        "empty for Latin names."
    )
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    ticket_type = serializers.CharField()
    role = serializers.CharField()
    colour = serializers.CharField(help_text="Badge colour, #RRGGBB.")
    extras = serializers.ListField(child=serializers.CharField())
    delegation = serializers.CharField(allow_null=True)
    city = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 code or empty.")
    organisation = serializers.CharField()
    flags = serializers.ListField(
        child=serializers.ChoiceField(["youth", "consent_missing"])
    )


class RedeemInSerializer(serializers.Serializer):
    secret = serializers.CharField(
        max_length=200,
        required=False,
        help_text="The QR code's content. Send this or `attendee`.",
    )
    attendee = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="An attendee id from search or sync, for a person without a badge.",
    )
    list = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The check-in list id."
    )
    nonce = serializers.RegexField(
        r"^[A-Za-z0-9_-]{8,64}$",
        help_text=(
            "Chosen by the device, unique per scan (8–64 of A–Z a–z 0–9 _ -). "
            "Retrying with the same nonce returns the first answer."
        ),
    )
    type = serializers.ChoiceField(CheckInType.choices, default=CheckInType.ENTRY)
    scanned_at = serializers.DateTimeField(
        required=False, help_text="When the scan happened on the device (offline)."
    )
    offline = serializers.BooleanField(
        default=False, help_text="Decided on the device without network."
    )
    forced = serializers.BooleanField(
        default=False,
        help_text=(
            "The device already admitted the person (offline); a refusal is "
            "then recorded as a conflict for staff."
        ),
    )

    def validate(self, attrs):
        if ("secret" in attrs) == ("attendee" in attrs):
            raise serializers.ValidationError(
                {"secret": [_("Send either `secret` or `attendee`.")]}
            )
        return attrs


class PreviousSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    list = serializers.CharField()
    device = serializers.CharField()


class RedeemOutSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["ok", "error"])
    code = serializers.ChoiceField(
        CheckInResult.values, help_text="`ok` or the reason for the refusal."
    )
    message = serializers.CharField(help_text="For the volunteer, in their language.")
    type = serializers.ChoiceField(CheckInType.choices)
    attendee = AttendeeCardSerializer(allow_null=True)
    previous = PreviousSerializer(
        allow_null=True, help_text="For already_checked_in: when and where."
    )
    scanned_at = serializers.DateTimeField()
    conflict = serializers.BooleanField(
        help_text="A forced (offline) admission that the server refused."
    )
    replayed = serializers.BooleanField(help_text="The nonce was seen before.")


def answer_body(answer: ScanAnswer) -> dict:
    row = answer.check_in
    previous = answer.previous
    return {
        "status": "ok" if answer.ok else "error",
        "code": answer.code,
        "message": answer.message,
        "type": row.type,
        "attendee": (
            attendee_card(answer.attendee, answer.extras)
            if answer.attendee is not None
            else None
        ),
        "previous": (
            {
                "when": previous.scanned_at,
                "list": previous.checkin_list.name,
                "device": previous.device.name,
            }
            if previous is not None
            else None
        ),
        "scanned_at": row.scanned_at,
        "conflict": row.is_conflict,
        "replayed": answer.replayed,
    }


SCAN_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 503: ErrorSerializer}


# --- Views -------------------------------------------------------------------------------


# --- The door's lean path ------------------------------------------------------------------
#
# A scan is the hottest request of the system (the target is p50 ≤ 10 ms at
# the client). The common case — a known device, a list it may use, a well-formed
# JSON body with a secret or an attendee id — is answered without DRF's request
# wrapping, serializers and content negotiation. Anything else (a missing or
# unknown token, a list of another event, a body that does not validate, an
# offline upload with its scan time) returns None before anything is written,
# and `Redeem` hands the request to the full DRF path, which gives the
# documented errors. Both paths call the same service and give the same answer.

NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
SCAN_TYPES = frozenset(CheckInType.values)


def _json_response(body: dict, status_code: int, headers=None) -> HttpResponse:
    # DRF's encoder and separators, so both paths write the same bytes.
    content = json.dumps(
        body, cls=encoders.JSONEncoder, ensure_ascii=False, separators=(",", ":")
    )
    return HttpResponse(
        content, status=status_code, content_type="application/json", headers=headers
    )


def _error_response(exc) -> HttpResponse:
    response = exception_handler(exc, {})
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {}
    return response.render()


def _is_id(value) -> bool:
    return type(value) is int and 0 < value <= MAX_ID


def _lean_scan(body: bytes) -> dict | None:
    """The scan's values if the body is the common, plainly valid case."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or "scanned_at" in data:
        return None
    secret, attendee = data.get("secret"), data.get("attendee")
    if (secret is None) == (attendee is None):
        return None
    # Badge secrets are printable ASCII; anything else (a NUL, a lone surrogate)
    # is for the full path, whose parser refuses what cannot be stored.
    if secret is not None and not (
        isinstance(secret, str) and 0 < len(secret) <= 200 and secret.isprintable()
    ):
        return None
    if attendee is not None and not _is_id(attendee):
        return None
    list_id, nonce = data.get("list"), data.get("nonce")
    scan_type = data.get("type", CheckInType.ENTRY)
    offline, forced = data.get("offline", False), data.get("forced", False)
    if (
        not _is_id(list_id)
        or not isinstance(nonce, str)
        or not NONCE.fullmatch(nonce)
        or scan_type not in SCAN_TYPES
        or type(offline) is not bool
        or type(forced) is not bool
    ):
        return None
    return {
        "secret": secret,
        "attendee": attendee,
        "list": list_id,
        "nonce": nonce,
        "type": scan_type,
        "offline": offline,
        "forced": forced,
    }


def lean_redeem(request) -> HttpResponse | None:
    """Answer a common scan, or None for the full DRF path (nothing written)."""
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) != 2 or header[0].lower() != "device":
        return None
    if request.content_type != "application/json":
        return None
    values = _lean_scan(request.body)
    if values is None:
        return None
    device, checkin_list = find_device_and_list(header[1], values["list"])
    if device is None or checkin_list is None:
        return None
    try:
        answer = redeem_ticket(
            checkin_list,
            device=device,
            nonce=values["nonce"],
            secret=values["secret"],
            attendee_id=values["attendee"],
            type=values["type"],
            offline=values["offline"],
            forced=values["forced"],
        )
    except CheckInError as exc:
        return _error_response(
            serializers.ValidationError(
                {exc.field or "non_field_errors": [exc.message]}, code=exc.code
            )
        )
    except Busy as exc:
        return _error_response(exc)
    revoked = answer.code == CheckInResult.REVOKED
    return _json_response(answer_body(answer), 403 if revoked else 200)


class Redeem(DeviceView):
    """Check a badge in or out at a door.

    The hot path, kept lean on purpose: a device lookup by token hash, the list,
    then one short transaction with one lookup under a row lock on the attendee,
    one read of that attendee's earlier admissions and one insert. No per-scan
    write to the device row (its "last seen" comes from sync).

    Every scan is logged, refused ones included. Decisions answer `200` with
    `status` `ok` or `error` and a `code`: `unknown_ticket`,
    `already_checked_in` (with `previous`: when and where), `unpaid`,
    `canceled`, `blocked` (staff blocked the order's tickets),
    `consent_missing`, `wrong_event`, `not_on_list`, `list_closed`; a revoked
    device gets `403` with code `revoked`. The same `nonce` from the same
    device on the same list returns the first answer and writes nothing (on
    another list it is a `400`). A refusal shows nothing of another event:
    `wrong_event` has no attendee and names no event, and an attendee id of
    another event is `unknown_ticket`.
    Two devices redeeming one badge at the same moment get exactly one `ok`.
    """

    permission_classes = [IsDevice]

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            response = lean_redeem(request)
            if response is not None:
                return response
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        request=RedeemInSerializer,
        responses={
            200: RedeemOutSerializer,
            # A revoked device gets the scan answer; a list of another event
            # (or none) the one error shape.
            403: PolymorphicProxySerializer(
                component_name="RedeemRefused",
                serializers=[RedeemOutSerializer, ErrorSerializer],
                resource_type_field_name=None,
            ),
            **SCAN_ERRORS,
        },
    )
    def post(self, request):
        data = RedeemInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        checkin_list = self.checkin_list(values["list"])
        try:
            answer = redeem_ticket(
                checkin_list,
                device=request.auth,
                nonce=values["nonce"],
                secret=values.get("secret"),
                attendee_id=values.get("attendee"),
                type=values["type"],
                scanned_at=values.get("scanned_at"),
                offline=values["offline"],
                forced=values["forced"],
            )
        except CheckInError as exc:
            raise serializers.ValidationError(
                {exc.field or "non_field_errors": [exc.message]}, code=exc.code
            ) from exc
        revoked = answer.code == CheckInResult.REVOKED
        return Response(
            answer_body(answer),
            status=status.HTTP_403_FORBIDDEN if revoked else status.HTTP_200_OK,
        )


class DeviceLists(DeviceView):
    """The device and the check-in lists it may scan for."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "CheckInDevice",
                {
                    "device": serializers.CharField(),
                    "lists": serializers.ListField(child=serializers.DictField()),
                },
            ),
            **SCAN_ERRORS,
        }
    )
    def get(self, request):
        device = request.auth
        record_device_seen(device)
        return Response(
            {
                "device": device.name,
                "lists": [list_config(item) for item in lists_for_device(device)],
            }
        )


class SyncList(DeviceView):
    """What a device needs to decide offline for one list: per attendee the
    SHA-256 of the QR secret (never the secret), the card to show, the
    standing (`ok`, `unpaid`, `canceled`, `blocked`, `consent_missing`,
    `not_on_list`)
    and whether the person is inside now. Also records the device as seen."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "CheckInSync",
                {
                    "list": serializers.DictField(),
                    "generated_at": serializers.DateTimeField(),
                    "attendees": inline_serializer(
                        "CheckInSyncEntry",
                        {
                            "hash": serializers.CharField(
                                help_text="SHA-256 hex of the QR secret."
                            ),
                            "standing": serializers.CharField(),
                            "inside": serializers.BooleanField(),
                            "last_scanned_at": serializers.DateTimeField(
                                allow_null=True
                            ),
                            "attendee": AttendeeCardSerializer(),
                        },
                        many=True,
                    ),
                },
            ),
            403: ErrorSerializer,
            **SCAN_ERRORS,
        }
    )
    def get(self, request, list_id: int):
        checkin_list = self.checkin_list(list_id)
        record_device_seen(request.auth)
        return Response(sync_list(checkin_list))


class SearchList(DeviceView):
    """Find people of the list's event by name or e-mail (badge forgotten)."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="At least 2 characters.")],
        responses={
            200: inline_serializer(
                "CheckInSearch",
                {
                    "results": inline_serializer(
                        "CheckInSearchResult",
                        {
                            "standing": serializers.CharField(),
                            "inside": serializers.BooleanField(),
                            "attendee": AttendeeCardSerializer(),
                        },
                        many=True,
                    )
                },
            ),
            403: ErrorSerializer,
            **SCAN_ERRORS,
        },
    )
    def get(self, request, list_id: int):
        checkin_list = self.checkin_list(list_id)
        query = request.query_params.get("q", "")[:100]
        return Response({"results": search_attendees(checkin_list, query)})


class PairThrottle(AnonRateThrottle):
    rate = "20/minute"


class Pair(APIView):
    """Exchange a one-time pairing code (shown in the admin, valid for minutes)
    for a device token. Pairing again replaces the device's earlier token."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [PairThrottle]

    @extend_schema(
        request=inline_serializer("CheckInPairIn", {"code": serializers.CharField()}),
        responses={
            200: inline_serializer(
                "CheckInPairOut",
                {"token": serializers.CharField(), "device": serializers.CharField()},
            ),
            400: ErrorSerializer,
        },
    )
    def post(self, request):
        code = request.data.get("code") if isinstance(request.data, dict) else None
        if not isinstance(code, str) or not code.strip():
            raise serializers.ValidationError({"code": [_("Enter the pairing code.")]})
        try:
            device, token = pair_device(code[:40])
        except CheckInError as exc:
            raise serializers.ValidationError({"code": [exc.message]}) from exc
        return Response({"token": token, "device": device.name})


urlpatterns = [
    path("pair/", Pair.as_view(), name="checkin_pair"),
    path("redeem/", Redeem.as_view(), name="checkin_redeem"),
    path("lists/", DeviceLists.as_view(), name="checkin_lists"),
    path("lists/<id:list_id>/sync/", SyncList.as_view(), name="checkin_sync"),
    path("lists/<id:list_id>/search/", SearchList.as_view(), name="checkin_search"),
]
