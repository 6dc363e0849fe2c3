from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "concertation.national"
    label = "national"
    verbose_name = "Réception nationale"

    def ready(self) -> None:
        from concertation.national import services
        from concertation.synthesis import signals

        # A regional edition reaches the inbox in the transaction that transmits it.
        signals.transmitted.connect(services.on_transmitted,
                                    dispatch_uid="national.on_transmitted")
