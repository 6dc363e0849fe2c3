from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "concertation.core"
    label = "core"
