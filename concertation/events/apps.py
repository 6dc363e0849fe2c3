from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "concertation.events"
    label = "events"
