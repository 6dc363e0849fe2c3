from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "concertation.dashboards"
    verbose_name = "tableaux de bord"
