from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "concertation.projects"
    label = "projects"
    verbose_name = "Projets labellisés"
