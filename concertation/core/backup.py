"""Backups of the database and the stored files, and their restore, checked end to end.

A backup is a folder:

- ``database.dump`` (PostgreSQL, ``pg_dump`` custom format) or ``database.sqlite3`` (SQLite,
  the sqlite3 backup API);
- ``files/`` (every file of the default storage, read through Django's storage API, so the
  same code copies a local disk or an object store);
- ``manifest.json``: per table its row count and an order-independent checksum, per file its
  size and SHA-256, the dump's SHA-256, the applied migrations, the application's version
  and the time.

Consistency: on PostgreSQL the manifest is computed in a REPEATABLE READ transaction whose
snapshot ``pg_dump --snapshot`` shares, so the dump and the manifest see the same rows however
many writes go on meanwhile. On SQLite the backup API copies the database in one step (one
read transaction; in WAL mode writers keep going) and the manifest is computed on the copy.
Files are listed after the database's snapshot: a row's file is written before the row
commits, so every file a backed-up row names is there (files added later come along too).

Restore loads into an empty database and storage (or, when told, empties them first), then
computes the manifest again on what it loaded, the same way, and fails on any difference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

FORMAT = 1
MANIFEST = "manifest.json"
FILES_DIR = "files"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
# The readiness probe's files live a few milliseconds (core/health.py): never backed up.
SKIPPED_PREFIXES = ("readyz/",)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A refusal or a failure, told in one French line (the commands print it as is)."""


@dataclass(frozen=True)
class TableDigest:
    rows: int
    checksum: str


@dataclass(frozen=True)
class FileDigest:
    size: int
    sha256: str


@dataclass
class Manifest:
    engine: str
    created_at: str
    app_version: str
    server_version: str
    migrations: dict[str, list[str]]
    tables: dict[str, TableDigest]
    files: dict[str, FileDigest]
    database_sha256: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "engine": self.engine, "created_at": self.created_at,
            "app_version": self.app_version, "server_version": self.server_version,
            "seconds": round(self.seconds, 3),
            "database": {"file": DUMPS[self.engine], "sha256": self.database_sha256},
            "migrations": self.migrations,
            "tables": {name: {"rows": d.rows, "checksum": d.checksum}
                       for name, d in sorted(self.tables.items())},
            "files": {name: {"size": d.size, "sha256": d.sha256}
                      for name, d in sorted(self.files.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        try:
            if data["format"] != FORMAT or data["engine"] not in DUMPS:
                raise BackupError("manifest.json : format ou moteur inconnu.")
            return cls(
                engine=data["engine"], created_at=str(data["created_at"]),
                app_version=str(data["app_version"]),
                server_version=str(data["server_version"]),
                migrations={str(app): [str(n) for n in names]
                            for app, names in data["migrations"].items()},
                tables={str(name): TableDigest(int(t["rows"]), str(t["checksum"]))
                        for name, t in data["tables"].items()},
                files={str(name): FileDigest(int(f["size"]), str(f["sha256"]))
                       for name, f in data["files"].items()},
                database_sha256=str(data["database"]["sha256"]),
                seconds=float(data.get("seconds", 0.0)),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BackupError("manifest.json est incomplet ou mal formé.") from None


@dataclass(frozen=True)
class Comparison:
    """What differs between two manifests' tables and files (empty lists: nothing)."""

    tables: list[str]
    files: list[str]

    @property
    def same(self) -> bool:
        return not self.tables and not self.files

    def summary(self, limit: int = 5) -> str:
        parts = self.tables[:limit] + self.files[:limit]
        more = len(self.tables) + len(self.files) - len(parts)
        return "; ".join(parts) + (f" ; et {more} autre(s)" if more > 0 else "")


# --- Checksums ---------------------------------------------------------------------------------


def _canonical(value: object) -> str:
    # repr() of a memoryview holds its address; everything else a driver returns has a
    # stable repr (int, str, Decimal, datetime, UUID, bool, None, float).
    if isinstance(value, memoryview | bytes | bytearray):
        return "b:" + bytes(value).hex()
    return repr(value)


def rows_digest(rows: Iterable[Iterable[object]]) -> TableDigest:
    """Row count and the sum (mod 2^128) of each row's BLAKE2b hash: the order rows come in
    does not change it, a duplicated or changed row does."""
    total, count = 0, 0
    for row in rows:
        encoded = "\x1f".join(_canonical(v) for v in row).encode("utf-8", "surrogatepass")
        total += int.from_bytes(hashlib.blake2b(encoded, digest_size=16).digest(), "big")
        count += 1
    return TableDigest(count, f"{total % (1 << 128):032x}")


def _fetch_all(cursor: Any, size: int = 2000) -> Iterator[tuple[object, ...]]:
    while batch := cursor.fetchmany(size):
        yield from batch


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    return [name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]


def sqlite_digests(path: Path) -> dict[str, TableDigest]:
    """Digests of a SQLite file, read by a plain sqlite3 connection (no converters: the
    stored values as they are), the same on the backup's copy and the restored file."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {table: rows_digest(_fetch_all(db.execute(f"SELECT * FROM {_quote(table)}")))
                for table in _sqlite_tables(db)}
    finally:
        db.close()


def _postgres_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                   "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")
    return [name for (name,) in cursor.fetchall()]


def postgres_digests(wrapper: BaseDatabaseWrapper) -> dict[str, TableDigest]:
    """Digests of every table of the current schema, read in the caller's transaction."""
    with wrapper.cursor() as cursor:
        tables = _postgres_tables(cursor)
    digests = {}
    for table in tables:
        # A server-side cursor: a table of millions of rows streams instead of loading whole.
        with wrapper.chunked_cursor() as cursor:
            cursor.execute(f"SELECT * FROM {_quote(table)}")
            digests[table] = rows_digest(_fetch_all(cursor))
    return digests


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def storage_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name in a storage, depth first, as `storage.open` takes it."""
    dirs, files = storage.listdir(folder)
    for name in sorted(files):
        path = f"{folder}/{name}" if folder else name
        if not path.startswith(SKIPPED_PREFIXES):
            yield path
    for name in sorted(dirs):
        yield from storage_names(storage, f"{folder}/{name}" if folder else name)


def _has_files(storage: Storage) -> bool:
    try:
        return next(storage_names(storage), None) is not None
    except FileNotFoundError:  # a local storage whose folder was never made
        return False


def storage_digests(storage: Storage) -> dict[str, FileDigest]:
    digests = {}
    for name in storage_names(storage):
        digest, size = hashlib.sha256(), 0
        with storage.open(name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        digests[name] = FileDigest(size, digest.hexdigest())
    return digests


def compare(expected: Manifest, found: Manifest) -> Comparison:
    tables, files = [], []
    for name in sorted(expected.tables.keys() | found.tables.keys()):
        want, got = expected.tables.get(name), found.tables.get(name)
        if want is None:
            tables.append(f"table {name} en trop")
        elif got is None:
            tables.append(f"table {name} manquante")
        elif want.rows != got.rows:
            tables.append(f"table {name} : {got.rows} lignes au lieu de {want.rows}")
        elif want.checksum != got.checksum:
            tables.append(f"table {name} : contenu différent (même nombre de lignes)")
    for name in sorted(expected.files.keys() | found.files.keys()):
        want_file, got_file = expected.files.get(name), found.files.get(name)
        if want_file is None:
            files.append(f"fichier {name} en trop")
        elif got_file is None:
            files.append(f"fichier {name} manquant")
        elif want_file != got_file:
            files.append(f"fichier {name} différent")
    return Comparison(tables, files)


# --- State of the code and the database -------------------------------------------------------


def app_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "inconnue"


def _engine(wrapper: BaseDatabaseWrapper) -> str:
    if wrapper.vendor not in DUMPS:
        raise BackupError(f"Moteur de base de données non pris en charge : {wrapper.vendor}.")
    return wrapper.vendor


def _applied(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _pg_command(tool: str, wrapper: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    """The tool's connection options and environment (the password never on the command
    line, where `ps` would show it)."""
    db = wrapper.settings_dict
    args = [tool, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [option, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _major(text: str) -> int:
    found = re.search(r"(\d+)(?:\.\d+)?", text)
    return int(found.group(1)) if found else 0


def _check_tool(tool: str, server_version: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} introuvable : installez le client PostgreSQL "
                          f"(apt-get install postgresql-client-{_major(server_version)}).")
    output = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    tool_major, server_major = _major(output.partition(")")[2]), _major(server_version)
    if tool_major < server_major:
        raise BackupError(f"{tool} {tool_major} ne sait pas traiter un serveur PostgreSQL "
                          f"{server_major} : installez postgresql-client-{server_major}.")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "sans message"


# --- Backup ------------------------------------------------------------------------------------


def _prepare_destination(dest: Path) -> Path:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"« {dest} » existe déjà et n’est pas un dossier vide : "
                          "choisissez un nouveau dossier.")
    if not dest.parent.is_dir():
        raise BackupError(f"Le dossier « {dest.parent} » n’existe pas.")
    partial = dest.with_name(dest.name + ".partiel")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    return partial


def _backup_postgres(wrapper: BaseDatabaseWrapper, dump: Path, server_version: str
                     ) -> tuple[dict[str, TableDigest], dict[str, list[str]]]:
    _check_tool("pg_dump", server_version)
    args, env = _pg_command("pg_dump", wrapper)
    with transaction.atomic(using=wrapper.alias):
        with wrapper.cursor() as cursor:
            # First statement of the transaction: the snapshot pg_dump will share.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute("SELECT app, name FROM django_migrations")
            migrations = _applied(cursor.fetchall())
        dumping = subprocess.Popen(
            [*args, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}",
             str(wrapper.settings_dict["NAME"])],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            # The manifest is read while pg_dump runs, in the snapshot it dumps.
            digests = postgres_digests(wrapper)
        finally:
            _, errors = dumping.communicate()
        if dumping.returncode:
            raise BackupError(f"pg_dump a échoué : {_last_line(errors)}")
    return digests, migrations


def _pg_version(wrapper: BaseDatabaseWrapper) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0]).split()[0]


def _backup_sqlite(wrapper: BaseDatabaseWrapper, copy: Path
                   ) -> tuple[dict[str, TableDigest], dict[str, list[str]], str]:
    wrapper.ensure_connection()
    target = sqlite3.connect(copy)
    try:
        # pages=-1: one step, one read transaction, so a copy of one instant.
        wrapper.connection.backup(target, pages=-1)
        migrations = _applied(target.execute("SELECT app, name FROM django_migrations"))
    finally:
        target.close()
    return sqlite_digests(copy), migrations, sqlite3.sqlite_version


def _copy_files(storage: Storage, folder: Path) -> dict[str, FileDigest]:
    digests = {}
    for name in storage_names(storage):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with storage.open(name, "rb") as source, path.open("wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except FileNotFoundError:  # deleted between the listing and its copy
            path.unlink(missing_ok=True)
            continue
        digests[name] = FileDigest(size, digest.hexdigest())
    return digests


def backup(dest: Path, *, using: str = "default", storage: Storage | None = None) -> Manifest:
    """Writes a backup folder at `dest` (which must not exist, or be empty): written under
    `dest.partiel` and renamed at the end, so a folder named `dest` is always complete."""
    storage = storage if storage is not None else default_storage
    wrapper = connections[using]
    engine = _engine(wrapper)
    began = time.perf_counter()
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    partial = _prepare_destination(dest)
    try:
        dump = partial / DUMPS[engine]
        if engine == "postgresql":
            server_version = _pg_version(wrapper)
            digests, migrations = _backup_postgres(wrapper, dump, server_version)
        else:
            digests, migrations, server_version = _backup_sqlite(wrapper, dump)
        (partial / FILES_DIR).mkdir()
        files = _copy_files(storage, partial / FILES_DIR)
        manifest = Manifest(engine=engine, created_at=created, app_version=app_version(),
                            server_version=server_version, migrations=migrations,
                            tables=digests, files=files, database_sha256=_sha256_file(dump),
                            seconds=time.perf_counter() - began)
        (partial / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=1,
                                                   ensure_ascii=False))
        if dest.exists():
            dest.rmdir()
        partial.rename(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


# --- Restore -----------------------------------------------------------------------------------


def read_manifest(src: Path) -> Manifest:
    if not src.is_dir():
        raise BackupError(f"« {src} » n’est pas un dossier de sauvegarde.")
    try:
        data = json.loads((src / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"« {src} » n’est pas une sauvegarde : manifest.json manquant.") \
            from None
    except (ValueError, OSError):
        raise BackupError("manifest.json illisible (JSON invalide).") from None
    if not isinstance(data, dict):
        raise BackupError("manifest.json est incomplet ou mal formé.")
    return Manifest.from_json(data)


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        raise BackupError(f"Nom de fichier refusé dans la sauvegarde : {name!r}.")
    return name


def check_backup(src: Path, manifest: Manifest) -> None:
    """The backup's own files against its manifest, before anything is loaded."""
    dump = src / DUMPS[manifest.engine]
    if not dump.is_file():
        raise BackupError(f"Fichier de la base manquant dans la sauvegarde : {dump.name}.")
    if _sha256_file(dump) != manifest.database_sha256:
        raise BackupError(f"{dump.name} ne correspond pas au manifeste (fichier abîmé).")
    for name, expected in manifest.files.items():
        path = src / FILES_DIR / _safe_name(name)
        if not path.is_file():
            raise BackupError(f"Fichier manquant dans la sauvegarde : {name}.")
        if FileDigest(path.stat().st_size, _sha256_file(path)) != expected:
            raise BackupError(f"Le fichier {name} ne correspond pas au manifeste.")


def _unknown_migrations(manifest: Manifest) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, names in manifest.migrations.items() for name in names
            if (app, name) not in known]


def _database_tables(wrapper: BaseDatabaseWrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        return list(wrapper.introspection.table_names(cursor))


@dataclass(frozen=True)
class Target:
    """What a restore would overwrite, for the refusal and the confirmation."""

    tables: int
    has_files: bool

    @property
    def empty(self) -> bool:
        return not self.tables and not self.has_files


def inspect_target(*, using: str = "default", storage: Storage | None = None) -> Target:
    storage = storage if storage is not None else default_storage
    return Target(len(_database_tables(connections[using])), _has_files(storage))


def _empty_database(wrapper: BaseDatabaseWrapper) -> None:
    if wrapper.vendor == "postgresql":
        with transaction.atomic(using=wrapper.alias), wrapper.cursor() as cursor:
            for table in _postgres_tables(cursor):
                cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)} CASCADE")
        return
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        for table in _database_tables(wrapper):
            cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)}")


def _load_postgres(wrapper: BaseDatabaseWrapper, dump: Path, clean: bool) -> None:
    _check_tool("pg_restore", _pg_version(wrapper))
    args, env = _pg_command("pg_restore", wrapper)
    wrapper.close()
    # Replacing: the tables are dropped already; --clean drops the other objects the dump
    # creates (the search trigger's function).
    options = ["--clean", "--if-exists"] if clean else []
    loaded = subprocess.run(
        [*args, *options, "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction",
         f"--dbname={wrapper.settings_dict['NAME']}", str(dump)],
        env=env, capture_output=True, text=True)
    if loaded.returncode:
        raise BackupError(f"pg_restore a échoué : {_last_line(loaded.stderr)}")


def _sqlite_path(wrapper: BaseDatabaseWrapper) -> Path:
    name = str(wrapper.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise BackupError("Restauration impossible dans une base SQLite en mémoire.")
    return Path(name)


def _load_sqlite(wrapper: BaseDatabaseWrapper, copy: Path) -> None:
    path = _sqlite_path(wrapper)
    wrapper.close()
    source, target = sqlite3.connect(f"file:{copy}?mode=ro", uri=True), sqlite3.connect(path)
    try:
        source.backup(target, pages=-1)  # replaces the target's pages whole
    finally:
        source.close()
        target.close()


def _load_files(storage: Storage, folder: Path, names: Iterable[str]) -> None:
    for name in names:
        with (folder / name).open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"Le stockage a enregistré {name} sous un autre nom ({saved}).")


def loaded_manifest(*, using: str = "default", storage: Storage | None = None) -> Manifest:
    """The manifest of what the database and the storage hold now, computed as a backup's."""
    storage = storage if storage is not None else default_storage
    wrapper = connections[using]
    engine = _engine(wrapper)
    if engine == "postgresql":
        with transaction.atomic(using=using):
            with wrapper.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            tables = postgres_digests(wrapper)
    else:
        wrapper.close()
        tables = sqlite_digests(_sqlite_path(wrapper))
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = _applied(cursor.fetchall())
    return Manifest(engine=engine, created_at="", app_version=app_version(), server_version="",
                    migrations=migrations, tables=tables, files=storage_digests(storage))


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    seconds: float


def restore(src: Path, *, using: str = "default", storage: Storage | None = None,
            replace: bool = False) -> Restored:
    """Loads the backup at `src`, then checks what was loaded against its manifest. Refuses a
    database with tables or a storage with files unless `replace` (then emptied first)."""
    storage = storage if storage is not None else default_storage
    began = time.perf_counter()
    manifest = read_manifest(src)
    wrapper = connections[using]
    engine = _engine(wrapper)
    if manifest.engine != engine:
        raise BackupError(f"Sauvegarde {manifest.engine}, base {engine} : restaurez dans "
                          "une base du même moteur.")
    unknown = _unknown_migrations(manifest)
    if unknown:
        raise BackupError(f"Sauvegarde prise par une version plus récente (migration "
                          f"{unknown[0]} inconnue ici) : déployez cette version d’abord.")
    check_backup(src, manifest)
    target = inspect_target(using=using, storage=storage)
    if not target.empty and not replace:
        raise BackupError(describe(target) + " : restaurez dans une base et un stockage "
                          "vides, ou ajoutez --replace pour les remplacer.")
    if target.tables:
        _empty_database(wrapper)
    if target.has_files:
        for name in list(storage_names(storage)):
            storage.delete(name)
    if engine == "postgresql":
        _load_postgres(wrapper, src / DUMPS[engine], clean=replace)
    else:
        _load_sqlite(wrapper, src / DUMPS[engine])
    _load_files(storage, src / FILES_DIR, manifest.files)
    found = loaded_manifest(using=using, storage=storage)
    difference = compare(manifest, found)
    if not difference.same or found.migrations != manifest.migrations:
        raise BackupError("La restauration ne correspond pas à la sauvegarde : "
                          + (difference.summary() or "migrations différentes"))
    return Restored(manifest, time.perf_counter() - began)


def describe(target: Target) -> str:
    parts = []
    if target.tables:
        parts.append(f"la base contient déjà {target.tables} table(s)")
    if target.has_files:
        parts.append("le stockage contient déjà des fichiers")
    return " et ".join(parts).capitalize() if parts else "La base et le stockage sont vides"
