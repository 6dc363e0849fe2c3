from django.core.management.base import BaseCommand

from concertation.core.outbox import retry_pending
from concertation.registrations.services import prune_rate_limit_records


class Command(BaseCommand):
    help = ("Envoie les rappels aux inscrits confirmés selon le calendrier de chaque journée "
            "(par défaut 7 jours et 1 jour avant ; chacun une seule fois), relance les "
            "courriels en échec et efface les traces de limitation de débit expirées. "
            "À lancer chaque heure (cron ; `serve` le fait).")

    def handle(self, *args, **options):
        from concertation.registrations.services.reminders import send_due_reminders

        count = send_due_reminders()
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
