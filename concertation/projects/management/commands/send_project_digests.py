"""Daily (or weekly) chore: e-mail each project's followers the updates posted since their
last digest, invite the contributors of public projects not invited yet, and re-send
follower e-mails that failed."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from concertation.core.outbox import retry_pending
from concertation.projects.services import queue_digests, queue_invitations


class Command(BaseCommand):
    help = "Envoie aux abonnés des projets le récapitulatif des nouvelles actualités."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Compter les courriels sans rien envoyer ni enregistrer.")

    def handle(self, *args, dry_run: bool = False, **options):
        queued = queue_digests(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Simulation : {queued} récapitulatif(s) seraient envoyés.")
            return
        invited = queue_invitations()
        retried = retry_pending()
        self.stdout.write(f"{queued} récapitulatif(s) mis en file d’envoi, "
                          f"{invited} invitation(s) à suivre un projet, "
                          f"{retried} courriel(s) en attente relancé(s).")
