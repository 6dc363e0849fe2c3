from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "concertation.national"
    label = "national"
    verbose_name = "Réception nationale"
