"""Public addresses of staff mailings: the unsubscribe page and the bounce hook.

- `/mailings/unsubscribe/<token>/`: GET shows a confirmation with one button;
  POST unsubscribes at once. Mail programs that read `List-Unsubscribe-Post`
  (RFC 8058) POST `List-Unsubscribe=One-Click` to the same address without a
  page, so POST needs no CSRF token: the signed token is the proof.
- `/mailings/bounces/`: the mail service reports a bounce with JSON
  `{"message_id": "<outbox-12@host>"}`, authenticated by the secret in
  MAILINGS_BOUNCE_SECRET (`Authorization: Bearer <secret>`); without the
  setting the hook answers 404.
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from registration.mailings.selectors import is_opted_out
from registration.mailings.services import opt_out, sending


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    address = opt_out.address_from_token(token)
    if address is None:
        raise Http404
    done = is_opted_out(address)
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        opt_out.unsubscribe(address, source="one_click" if one_click else "link")
        if one_click:
            return HttpResponse(status=200)
        done = True
    return render(
        request,
        "registration/mailings/unsubscribe.html",
        {"address": address, "done": done},
    )


@csrf_exempt
@require_POST
def bounce(request):
    secret = getattr(settings, "MAILINGS_BOUNCE_SECRET", "")
    if not secret:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return JsonResponse({"code": "not_authenticated"}, status=401)
    try:
        data = json.loads(request.body or b"{}")
        message_id = str(data["message_id"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"code": "invalid", "field": "message_id", "message": "Give message_id."},
            status=400,
        )
    row = sending.recipient_for_message_id(message_id)
    if row is None:
        return JsonResponse({"code": "not_found"}, status=404)
    sending.record_bounce(row, note=str(data.get("reason", ""))[:300])
    return JsonResponse({"recipient": row.pk, "status": row.status})
