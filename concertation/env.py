"""Typed helpers that read settings from environment variables and refuse bad values.

Each helper fails loudly (ImproperlyConfigured, one line) rather than guessing, so a typo in a
deployment's environment stops the process at start-up instead of running with a default.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or networks (`10.0.0.5`, `10.0.0.0/8`, `::1`)."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks (10.0.0.0/8), got {item!r}"
            ) from None
    return tuple(networks)


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def env_object_storage(name: str) -> dict[str, object] | None:
    """An S3-compatible bucket as one URL, read into django-storages' S3Storage options:
    `s3://KEY:SECRET@host[:port]/bucket[/prefix]?region=fr-par` over HTTPS, `s3+http://…` over
    plain HTTP (a server on loopback only). Key and secret are percent-encoded if they hold
    `/`, `:` or `@`. Objects stay private: files leave through the protected-download views,
    which hand out short-lived signed URLs."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    form = f"{name} must read s3://KEY:SECRET@host[:port]/bucket[/prefix]"
    try:
        url = urlsplit(raw)
        port = url.port
    except ValueError:
        raise ImproperlyConfigured(f"{form}, got an unreadable URL") from None
    if url.scheme not in ("s3", "s3+http"):
        raise ImproperlyConfigured(f"{form}, got the scheme {url.scheme!r}")
    bucket, _, prefix = url.path.lstrip("/").partition("/")
    if not (url.hostname and url.username and url.password and bucket):
        raise ImproperlyConfigured(f"{form} (host, key, secret and bucket are all needed)")
    query = {key: values[-1] for key, values in parse_qs(url.query).items()}
    unknown = set(query) - {"region"}
    if unknown:
        raise ImproperlyConfigured(f"{name}: unknown parameter {sorted(unknown)[0]!r} "
                                   "(only region is read)")
    protocol = "http" if url.scheme == "s3+http" else "https"
    return {
        "access_key": unquote(url.username),
        "secret_key": unquote(url.password),
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        "endpoint_url": f"{protocol}://{url.hostname}{f':{port}' if port else ''}",
        "region_name": query.get("region") or "us-east-1",
        "addressing_style": "path",
        "signature_version": "s3v4",
        # Like the local disk: a second file of the same name gets a name of its own.
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
    }
