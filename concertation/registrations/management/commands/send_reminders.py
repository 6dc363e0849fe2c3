import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from concertation.core.models import OutgoingEmail
from concertation.core.outbox import retry_pending
from concertation.registrations.models import Registration, RegistrationStatus
from concertation.registrations.services import prune_rate_limit_records, send_email


class Command(BaseCommand):
    help = ("Envoie le rappel aux inscrits confirmés des journées des deux prochains jours "
            "(une seule fois par inscription), relance les courriels en échec et efface les "
            "traces de limitation de débit expirées. "
            "À lancer chaque jour (cron).")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=2)

    def handle(self, *args, days: int, **options):
        today = timezone.localdate()
        due = (
            Registration.objects.filter(
                status=RegistrationStatus.CONFIRMED, anonymised_at__isnull=True,
                event__date__gte=today, event__date__lte=today + dt.timedelta(days=days),
            )
            .exclude(email="")
            .exclude(emails__kind=OutgoingEmail.Kind.REMINDER)
        )
        count = 0
        for registration in due.select_related("event"):
            with transaction.atomic():
                send_email(registration, OutgoingEmail.Kind.REMINDER)
            count += 1
        retried = retry_pending()
        pruned = prune_rate_limit_records()
        # Organisers' scheduled messages whose time has come, if their own task was lost.
        from concertation.registrations.services.mailings import send_due

        mailed = send_due()
        # Timed offers of a waiting list whose time is over, if their own task was lost.
        from concertation.registrations.services import expire_offers

        expired = expire_offers()
        self.stdout.write(f"{count} rappel(s) programmé(s), {retried} courriel(s) relancé(s), "
                          f"{mailed} message(s) d’organisateur envoyé(s), "
                          f"{expired} proposition(s) de place expirée(s), "
                          f"{pruned} trace(s) de limitation effacée(s).")
