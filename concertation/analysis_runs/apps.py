from django.apps import AppConfig


class AnalysisRunsConfig(AppConfig):
    name = "concertation.analysis_runs"
    label = "analysis_runs"
