from django.urls import path

from concertation.front import views, views_privacy

app_name = "front"
urlpatterns = [
    path("", views.home, name="home"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal, name="legal"),
    # Under « compte/ » with the rest of signing in (`accounts.urls`).
    path("compte/lien/", views.request_link, name="magic_request"),
    path("compte/mes-donnees/", views_privacy.my_data, name="my_data"),
    path("compte/mes-donnees/donnees.json", views_privacy.download, name="my_data_download"),
    path("compte/mes-donnees/effacer/", views_privacy.erase, name="my_data_erase"),
]
