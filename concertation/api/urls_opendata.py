from django.urls import path

from concertation.api import opendata_views

app_name = "opendata"

urlpatterns = [
    path("donnees-ouvertes/", opendata_views.index, name="index"),
    path("donnees-ouvertes/catalogue.jsonld", opendata_views.catalogue, name="catalogue"),
    path("donnees-ouvertes/<slug:name>.csv", opendata_views.download, name="download"),
    path("donnees-ouvertes/schemas/<slug:name>/schema.json", opendata_views.schema,
         name="schema"),
]
