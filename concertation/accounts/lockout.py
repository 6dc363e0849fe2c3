"""Limits on password guessing (the organisers' sign-in and the admin's), with django-axes.

Three counts of failed logins over the last `AXES_COOLOFF_TIME`, each with its own limit
(`LOGIN_FAILURE_LIMITS`, in the order of `AXES_LOCKOUT_PARAMETERS`):
- one account from one address: low (5), stops a guesser without locking the account's owner
  out anywhere else;
- one account from anywhere: a guesser spread over many addresses (the owner then still has
  ProConnect);
- one address, whatever the account: someone trying many accounts; higher, as the staff of an
  ARS behind one NAT share it.
Axes compares a single count to a single limit (`AXES_FAILURE_LIMIT`): `get_failures` gives it
the worst of the three, each scaled so that it reaches that limit exactly when it reaches its
own.

A successful login wipes that account's failures only. Axes would also wipe every failure from
the address (for the address-wide count): anyone holding an account could then clear their
address's count by signing in between two series of guesses at other accounts.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class Handler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        common = settings.AXES_FAILURE_LIMIT
        worst = 0
        for attempts, own in zip(self.get_user_attempts(request, credentials),
                                 settings.LOGIN_FAILURE_LIMITS, strict=True):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            worst = max(worst, count * common // own)
        return worst

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if username is None:
            return 0
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a locked login answers: a page of the site that says why and for how long."""
    minutes = round(get_cool_off(request).total_seconds() / 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes},
                  status=settings.AXES_HTTP_RESPONSE_CODE)
