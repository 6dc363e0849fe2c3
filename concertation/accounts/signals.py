"""Roles given, changed and taken back go to the audit trail, whichever way they are written
(the admin, a shell, a cascade): `accounts.role.granted`, `accounts.role.changed`,
`accounts.role.revoked`, about the account, in the area the role covers, by the person of
the request (`audit.current_actor`; none for a command)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from concertation.accounts.models import OrganiserMembership
from concertation.core import audit


def _area(membership: OrganiserMembership) -> tuple[int | None, int | None]:
    agency, council = membership.agency, membership.council
    return (agency.region_id if agency else None), (council.territory_id if council else None)


def _record(action: str, membership: OrganiserMembership, verb: str,
            **details: Any) -> None:
    place = membership.agency or membership.council or "national"
    audit.record(action, membership.user, user=audit.current_actor(), area=_area(membership),
                 summary=f"Rôle « {membership.get_role_display()} » {verb} ({place})",
                 details={"membership": membership.pk, "role": membership.role,
                          "agency": membership.agency_id, "council": membership.council_id,
                          **details})


@receiver(pre_save, sender=OrganiserMembership, dispatch_uid="audit_role_before")
def _before(sender: Any, instance: OrganiserMembership, **kwargs: Any) -> None:
    instance._audit_before = (  # type: ignore[attr-defined]
        None if instance.pk is None else OrganiserMembership.objects.filter(pk=instance.pk)
        .values("role", "agency_id", "council_id").first())


@receiver(post_save, sender=OrganiserMembership, dispatch_uid="audit_role_saved")
def _saved(sender: Any, instance: OrganiserMembership, created: bool, raw: bool = False,
           **kwargs: Any) -> None:
    if raw:  # a fixture being loaded
        return
    if created:
        _record("accounts.role.granted", instance, "donné")
        return
    before = getattr(instance, "_audit_before", None)
    now = {"role": instance.role, "agency_id": instance.agency_id,
           "council_id": instance.council_id}
    if before is not None and before != now:
        _record("accounts.role.changed", instance, "modifié",
                previous_role=before["role"], previous_agency=before["agency_id"],
                previous_council=before["council_id"])


@receiver(post_delete, sender=OrganiserMembership, dispatch_uid="audit_role_deleted")
def _deleted(sender: Any, instance: OrganiserMembership, **kwargs: Any) -> None:
    _record("accounts.role.revoked", instance, "retiré")
