from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The read-only public API (`/api/v1/`): what the public pages show, as JSON, with its
    OpenAPI document at `/api/openapi.json` and its browsable page at `/api/`."""

    name = "concertation.api"
    label = "api"

    def ready(self) -> None:
        from concertation.api import webhooks

        # The organisers' webhooks hear the apps below in the transactions they tell of.
        webhooks.connect()
