"""Statements on the registrations table that other apps' hot paths embed in their own (a
vote through a participant's signed link: `contributions/services/votes.py`), so that the
registrations' columns are named in this app only."""

from __future__ import annotations

from concertation.registrations.models import Registration, RegistrationStatus

_REGISTRATION = Registration._meta.db_table


def link_day(registration_id: int, code: str) -> tuple[str, list]:
    """A SELECT of one column, `event_id`: the day of the registration whose signed link
    gives `registration_id` and `code`, if it is confirmed and not anonymised; no row
    otherwise. As SQL and its parameters."""
    return (f"SELECT r.event_id AS event_id FROM {_REGISTRATION} r WHERE r.id = %s "
            "AND r.code = %s AND r.status = %s AND r.anonymised_at IS NULL",
            [registration_id, code, RegistrationStatus.CONFIRMED])


def college(registration_id: int) -> tuple[str, list]:
    """A SELECT of one column, `college`: the registration's college."""
    return f"SELECT r.college AS college FROM {_REGISTRATION} r WHERE r.id = %s", [
        registration_id]
