from pathlib import Path

from django.core.management.base import BaseCommand

from concertation.api import opendata


class Command(BaseCommand):
    help = ("Écrit les schémas des données ouvertes (schema.json, README.md) dans le dossier "
            "donné, un sous-dossier par schéma ; avec --examples, aussi exemple-valide.csv "
            "tiré de la base (les tests l’écrivent depuis leur jeu de données).")

    def add_arguments(self, parser):
        parser.add_argument("--output", default="schemas")
        parser.add_argument("--examples", action="store_true")

    def handle(self, *args, output: str, examples: bool, **options):
        for table in opendata.TABLES.values():
            folder = Path(output) / table.schema_name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "schema.json").write_text(table.schema_json(), encoding="utf-8")
            (folder / "README.md").write_text(table.readme(), encoding="utf-8")
            if examples:
                (folder / "exemple-valide.csv").write_bytes(table.csv())
            self.stdout.write(f"{folder}")
