from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "concertation.campaigns"
    label = "campaigns"
