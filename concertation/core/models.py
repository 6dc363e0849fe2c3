from django.db import models


class PublicContentVersion(models.Model):
    """A counter bumped by every service that changes what the public pages show.

    Public pages are cached per process under this version, so a change made by any process
    (web worker, task worker, admin) is seen by all of them on their next request.
    """

    version = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"version {self.version}"
