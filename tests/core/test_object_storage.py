"""Files in an S3-compatible bucket (MEDIA_STORAGE_URL): uploads and generated files land in
the bucket as private objects, the protected-download views still decide who reads them and
hand out a signed URL valid a minute, /readyz names the bucket when it stops answering. The
bucket is a real S3 endpoint on loopback (tests/s3.py)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from concertation.env import env_object_storage
from concertation.events.models import Document, EventState
from tests.downloads import PDF
from tests.factories import EventFactory
from tests.s3 import s3_server

pytestmark = pytest.mark.django_db

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture
def bucket(settings):
    with s3_server() as bucket:
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": _options(bucket.url)}}
        yield bucket


def _options(url: str) -> dict:
    import os

    os.environ["TEST_MEDIA_STORAGE_URL"] = url
    try:
        options = env_object_storage("TEST_MEDIA_STORAGE_URL")
    finally:
        del os.environ["TEST_MEDIA_STORAGE_URL"]
    assert options is not None
    return options


@pytest.mark.parametrize("url, options", [
    ("s3://AK:S%2FK@s3.fr-par.scw.cloud/concertation/media?region=fr-par",
     {"access_key": "AK", "secret_key": "S/K", "bucket_name": "concertation",
      "location": "media", "endpoint_url": "https://s3.fr-par.scw.cloud",
      "region_name": "fr-par", "file_overwrite": False, "default_acl": None}),
    ("s3+http://AK:SK@127.0.0.1:9000/b",
     {"endpoint_url": "http://127.0.0.1:9000", "bucket_name": "b", "location": ""}),
])
def test_the_storage_url_is_read_into_the_buckets_options(url, options):
    read = _options(url)
    assert {key: read[key] for key in options} == options


@pytest.mark.parametrize("url, message", [
    ("https://AK:SK@host/b", "scheme 'https'"),
    ("s3://host/b", "key, secret and bucket"),
    ("s3://AK:SK@host/", "key, secret and bucket"),
    ("s3://AK:SK@host:port/b", "unreadable"),
    ("s3://AK:SK@host/b?acl=public-read", "unknown parameter 'acl'"),
])
def test_a_bad_storage_url_stops_the_start_with_one_line(url, message, monkeypatch):
    monkeypatch.setenv("MEDIA_STORAGE_URL", url)
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        env_object_storage("MEDIA_STORAGE_URL")
    assert "\n" not in str(error.value) and "SK" not in str(error.value).replace("SK@", "")


def test_a_document_goes_to_the_bucket_and_leaves_by_a_signed_url(bucket, client):
    event = EventFactory(state=EventState.PUBLISHED)
    document = Document.objects.create(event=event, title="Programme", size=len(PDF),
                                       file=ContentFile(PDF, name="programme.pdf"))
    assert bucket.names() == [document.file.name]
    # Private: no grant to everyone on the object.
    acl = bucket.client().get_object_acl(Bucket=bucket.name, Key=document.file.name)
    assert all(grant["Grantee"].get("URI") != ALL_USERS for grant in acl["Grants"])

    url = reverse("events:document", args=[event.slug, document.pk, "programme.pdf"])
    response = client.get(url)
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert signed.startswith(f"{bucket.endpoint}/{bucket.name}/")
    assert query["X-Amz-Expires"] == ["60"] and query["X-Amz-Signature"]
    assert query["response-content-disposition"] == ['attachment; filename="programme.pdf"']
    answer = requests.get(signed, timeout=10)
    assert answer.status_code == 200 and answer.content == PDF
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="programme.pdf"'


def test_a_drafts_document_in_the_bucket_is_still_refused(bucket, client):
    event = EventFactory(state=EventState.DRAFT)
    document = Document.objects.create(event=event, title="Programme", size=len(PDF),
                                       file=ContentFile(PDF, name="programme.pdf"))
    url = reverse("events:document", args=[event.slug, document.pk, "programme.pdf"])
    assert client.get(url).status_code == 404


def test_two_files_of_one_name_keep_both(bucket):
    first = default_storage.save("docs/programme.pdf", ContentFile(b"1"))
    second = default_storage.save("docs/programme.pdf", ContentFile(b"2"))
    assert first != second and sorted(bucket.names()) == sorted([first, second])


def test_readyz_names_the_bucket_when_it_stops(settings, client):
    with s3_server() as bucket:
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _options(bucket.url)}}
        response = client.get("/readyz")
        assert response.status_code == 200, response.content
    # The server is gone: the same storage now fails, and what needs no file still works.
    response = client.get("/readyz")
    body = json.loads(response.content)
    assert response.status_code == 503 and body["failing"] == ["storage"]
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("events:agenda")).status_code == 200
