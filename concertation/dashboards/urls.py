from django.urls import path

from concertation.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("tableau-de-bord/", views.public, name="public"),
    path("tableau-de-bord/export.<str:fmt>", views.public_export, name="public_export"),
    path("espace-organisateur/tableau-de-bord/", views.organiser, name="organiser"),
    path("espace-organisateur/tableau-de-bord/export.<str:fmt>", views.organiser_export,
         name="organiser_export"),
]
