"""The one write path for registrations, one module per room: `signup` (the sign-up and its
one-statement write), `seats` (seat counters, waiting list, cancellation, change of
workshops), `limits` (the rate limits), `attendance` (check-in and counts), `privacy`
(access, erasure, anonymisation) and `base` (errors, the day's lock, queuing a mail). Callers
import from here."""

from concertation.registrations.services.attendance import (
    DoorItem,
    attendance_counts,
    door_list,
    set_checked_in,
    sync_door,
)
from concertation.registrations.services.base import (
    AlreadyRegistered,
    RateLimited,
    RegistrationError,
    send_email,
    validate_workshops,
)
from concertation.registrations.services.limits import (
    IP_LIMIT,
    LINK_EMAIL_LIMIT,
    LINK_IP_LIMIT,
    RATE_WINDOW,
    check_link_request_limit,
    prune_rate_limit_records,
)
from concertation.registrations.services.privacy import (
    anonymise_expired,
    erase,
    expired_events,
    personal_data,
)
from concertation.registrations.services.seats import (
    accept_offer,
    cancel,
    change_workshops,
    expire_offers,
    promote_if_room,
    recount_seats,
    seats_taken,
)
from concertation.registrations.services.signup import (
    Applicant,
    Outcome,
    register,
    remind_registered,
    resend_confirmation,
)

__all__ = [
    "DoorItem", "accept_offer", "door_list", "expire_offers", "sync_door",
    "IP_LIMIT", "LINK_EMAIL_LIMIT", "LINK_IP_LIMIT", "RATE_WINDOW", "AlreadyRegistered",
    "Applicant", "Outcome", "RateLimited", "RegistrationError", "anonymise_expired",
    "attendance_counts", "cancel", "change_workshops", "check_link_request_limit", "erase",
    "expired_events", "personal_data", "promote_if_room", "prune_rate_limit_records",
    "recount_seats", "register", "remind_registered", "resend_confirmation", "seats_taken",
    "send_email", "set_checked_in", "validate_workshops",
]
