"""An S3-compatible server on loopback for the tests: moto in server mode, a real HTTP
endpoint speaking the S3 protocol (signed requests, buckets, objects, ACLs), started in the
test's process. The bucket is made empty and private for each use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.servers import free_port

KEY, SECRET = "concertation-test", "concertation-test-secret"


@dataclass(frozen=True)
class Bucket:
    endpoint: str  # http://127.0.0.1:PORT
    name: str

    @property
    def url(self) -> str:
        """The MEDIA_STORAGE_URL that names it."""
        return f"s3+http://{KEY}:{SECRET}@{self.endpoint.removeprefix('http://')}/{self.name}"

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=KEY,
                            aws_secret_access_key=SECRET, region_name="us-east-1")

    def names(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.name)
        return [item["Key"] for item in listing.get("Contents", [])]


@contextmanager
def s3_server() -> Iterator[Bucket]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        bucket = Bucket(f"http://127.0.0.1:{port}", f"media-{uuid.uuid4().hex[:8]}")
        bucket.client().create_bucket(Bucket=bucket.name)
        yield bucket
    finally:
        server.stop()
