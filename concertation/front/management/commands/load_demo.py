from django.core.management.base import BaseCommand

from concertation.demo import load_demo


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent : ne modifie rien d’existant)."

    def handle(self, *args, **options):
        result = load_demo()
        self.stdout.write(
            f"Démonstration : {result['events_created']} journée(s) créée(s), "
            f"{result['events_total']} au total."
        )
