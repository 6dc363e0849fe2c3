"""`manage.py backup DEST`: the database and the stored files in a new folder, with a
manifest of row counts and checksums (core/backup.py). One line on error, exit status 1."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concertation.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les fichiers dans un nouveau dossier."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", type=Path, help="dossier à créer (absent ou vide)")

    def handle(self, *args, **options):
        try:
            manifest = backup(options["dest"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(t.rows for t in manifest.tables.values())
        self.stdout.write(
            f"Sauvegarde écrite dans {options['dest']} : {len(manifest.tables)} tables, "
            f"{rows} lignes, {len(manifest.files)} fichier(s), en {manifest.seconds:.1f} s.")
