from django.urls import path

from concertation.synthesis import views_package

app_name = "synthesis_package"
urlpatterns = [
    path("syntheses/<int:pk>/dossier-de-transmission/", views_package.index, name="index"),
    path("syntheses/<int:pk>/dossier-de-transmission/demander/", views_package.request_package,
         name="request"),
    path("syntheses/<int:pk>/dossier-de-transmission/<int:package_pk>/<slug:kind>/",
         views_package.download, name="download"),
]
