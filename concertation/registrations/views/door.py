"""The door's devices (issue 18): a page that keeps the day's list in the browser and works
without network (`static/js/door.js`), the list it keeps, and the sync of what it recorded.
All three are the day's organisers' (`organiser_required`, the day fetched within their
scope); the sync answers JSON."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from concertation.accounts.access import organiser_required
from concertation.events.views.backoffice import _get_event_for_user
from concertation.registrations import services
from concertation.registrations.door import WalkInForm, parse_items


@organiser_required
def door(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form = WalkInForm(request.POST or None, event=event)
    # Without JavaScript, a walk-in is posted here and applied at once.
    if request.method == "POST" and form.is_valid():
        answer = services.sync_door(scope=request.scope, event=event, user=request.user,
                                    items=[form.item(uuid.uuid4())])[0]
        if answer["outcome"] == "refused":
            form.add_error(None, answer["message"])
        else:
            messages.success(request, f"{answer['message']} Code : {answer['code']}.")
            return redirect("registrations_backoffice:door", pk=event.pk)
    context = {"event": event, "form": form}
    return render(request, "registrations/organiser/door.html", context,
                  status=400 if form.errors else 200)


@organiser_required
def door_list(request: HttpRequest, pk: int) -> JsonResponse:
    event = _get_event_for_user(request, pk)
    response = JsonResponse({
        "event": event.pk, "at": timezone.now().isoformat(),
        "registrations": services.door_list(event),
    })
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@organiser_required
def door_sync(request: HttpRequest, pk: int) -> JsonResponse:
    event = _get_event_for_user(request, pk)
    if request.content_type != "application/json":
        # A form's body is read (and cleaned) by the middleware already: not for this view.
        return JsonResponse({"error": "Requête illisible : du JSON est attendu."}, status=400)
    try:
        items, refused = parse_items(json.loads(request.body or b"null"), event)
    except ValueError as error:  # JSON and Unicode errors included
        unreadable = isinstance(error, (json.JSONDecodeError, UnicodeDecodeError))
        message = "Requête illisible : du JSON est attendu." if unreadable else str(error)
        return JsonResponse({"error": message}, status=400)
    results = services.sync_door(scope=request.scope, event=event, user=request.user,
                                 items=items)
    return JsonResponse({"results": results + refused})
