"""The client address behind reverse proxies (TRUSTED_PROXIES)."""

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from concertation.env import env_networks
from concertation.registrations.network import client_ip


def _ip(settings, proxies, remote, forwarded=None):
    settings.TRUSTED_PROXIES = tuple(ipaddress.ip_network(p) for p in proxies)
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


@pytest.mark.parametrize("proxies, remote, forwarded, expected", [
    # No proxy configured: the header is ignored, whoever wrote it.
    ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
    # A request that does not come from a trusted proxy: its header is ignored too.
    (["10.0.0.0/8"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
    # Through the proxy: the address the proxy appended.
    (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1", "198.51.100.1"),
    # Whatever the client put before it is never believed.
    (["10.0.0.0/8"], "10.0.0.2", "1.1.1.1, 198.51.100.1", "198.51.100.1"),
    # Two trusted proxies in a row: the first address neither of them is.
    (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1, 10.0.0.7", "198.51.100.1"),
    (["10.0.0.0/8", "::1"], "::1", "2001:db8::5", "2001:db8::5"),
    # A proxy that sent no header, or garbage: its own address.
    (["10.0.0.0/8"], "10.0.0.2", None, "10.0.0.2"),
    (["10.0.0.0/8"], "10.0.0.2", "pas-une-adresse", "10.0.0.2"),
    (["10.0.0.0/8"], "10.0.0.2", "10.0.0.3", "10.0.0.2"),
])
def test_client_ip(settings, proxies, remote, forwarded, expected):
    assert _ip(settings, proxies, remote, forwarded) == expected


def test_trusted_proxies_setting_is_parsed_and_refuses_garbage(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1 ,::1")
    assert [str(n) for n in env_networks("TRUSTED_PROXIES")] == [
        "10.0.0.0/8", "192.0.2.1/32", "::1/128"]
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,proxy.local")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        env_networks("TRUSTED_PROXIES")
    monkeypatch.delenv("TRUSTED_PROXIES")
    assert env_networks("TRUSTED_PROXIES") == ()
