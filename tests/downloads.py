"""Helpers of the protected-download tests."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def read(response) -> bytes:
    """The streamed file of a test client's response: the client closes it (and the file)
    once read to the end. A second close would fire `request_finished` outside the client,
    which closes the database connection in the middle of the test on PostgreSQL."""
    return b"".join(response.streaming_content)


def assert_not_served(client, name: str) -> None:
    """Nothing answers the file's storage path under MEDIA_URL: no URL pattern matches it (the
    route once there read MEDIA_ROOT as it was when the URLs were loaded, so a request alone
    could miss it in tests), and a request gets the site's 404."""
    with pytest.raises(Resolver404):
        resolve(f"/media/{name}")
    assert client.get(f"/media/{name}").status_code == 404
