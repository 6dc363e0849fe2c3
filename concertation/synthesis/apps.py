from django.apps import AppConfig


class SynthesisConfig(AppConfig):
    name = "concertation.synthesis"
    label = "synthesis"
    verbose_name = "Synthèses et consolidation"
