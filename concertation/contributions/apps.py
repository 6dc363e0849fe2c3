from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "concertation.contributions"
    label = "contributions"

    def ready(self) -> None:
        from concertation.contributions import signals

        signals.connect()
