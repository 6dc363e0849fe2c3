from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "concertation.contributions"
    label = "contributions"
