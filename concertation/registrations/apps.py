from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "concertation.registrations"
    label = "registrations"
