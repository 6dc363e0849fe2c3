"""`manage.py restore SRC`: loads a backup into an empty database and storage, then checks
what it loaded against the backup's manifest (core/backup.py). Asks for confirmation on a
terminal; elsewhere `--yes` is required. One line on error, exit status 1."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concertation.core.backup import BackupError, describe, inspect_target, read_manifest, restore


class Command(BaseCommand):
    help = "Restaure une sauvegarde dans une base et un stockage vides, puis la vérifie."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("src", type=Path, help="dossier écrit par manage.py backup")
        parser.add_argument("--yes", action="store_true",
                            help="ne pas demander de confirmation")
        parser.add_argument("--replace", action="store_true",
                            help="vider d’abord une base ou un stockage qui ne sont pas vides")

    def handle(self, *args, **options):
        src: Path = options["src"]
        try:
            manifest = read_manifest(src)
            if not options["yes"]:
                self._confirm(src, manifest.created_at, options["replace"])
            restored = restore(src, replace=options["replace"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(t.rows for t in restored.manifest.tables.values())
        self.stdout.write(
            f"Restauration vérifiée : {len(restored.manifest.tables)} tables, {rows} lignes "
            f"et {len(restored.manifest.files)} fichier(s) identiques à la sauvegarde, "
            f"en {restored.seconds:.1f} s.")

    def _confirm(self, src: Path, created_at: str, replace: bool) -> None:
        if not sys.stdin.isatty():
            raise CommandError("Confirmation requise : ajoutez --yes (l’entrée n’est pas "
                               "un terminal).")
        target = inspect_target()
        what = describe(target) + (" (tout sera effacé)" if replace and not target.empty else "")
        answer = input(f"Restaurer la sauvegarde du {created_at} ({src}) ? {what}. "
                       "Tapez « oui » pour continuer : ")
        if answer.strip().lower() not in ("oui", "yes"):
            raise CommandError("Restauration abandonnée : rien n’a été modifié.")
