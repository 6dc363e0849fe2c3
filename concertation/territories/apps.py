from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "concertation.territories"
    label = "territories"
