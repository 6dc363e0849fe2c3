from django.core.management.base import BaseCommand
from django.utils import timezone

from concertation.registrations.services import anonymise_expired


class Command(BaseCommand):
    help = ("Anonymise les inscriptions des journées dont la durée de conservation est "
            "dépassée, en gardant les comptages. Sans --execute, montre seulement ce qui "
            "serait fait.")

    def add_arguments(self, parser):
        parser.add_argument("--execute", action="store_true",
                            help="anonymiser pour de bon (sinon : simulation)")

    def handle(self, *args, execute: bool, **options):
        done = anonymise_expired(today=timezone.localdate(), dry_run=not execute)
        verb = "anonymisée(s)" if execute else "à anonymiser (simulation, --execute pour agir)"
        for event, count in done:
            line = f"{event.date:%d/%m/%Y} {event.title} : {count} inscription(s) {verb}"
            self.stdout.write(line)
        total = sum(count for _, count in done)
        self.stdout.write(f"Total : {total} inscription(s) {verb}.")
