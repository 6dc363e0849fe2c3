from django.urls import path

from concertation.events.views import backoffice

app_name = "backoffice"
urlpatterns = [
    path("", backoffice.home, name="home"),
    path("journees/nouvelle/", backoffice.create, name="create"),
    path("journees/<int:pk>/", backoffice.manage, name="manage"),
    path("journees/<int:pk>/modifier/", backoffice.edit, name="edit"),
    path("journees/<int:pk>/programme/", backoffice.programme, name="programme"),
    path("journees/<int:pk>/dupliquer/", backoffice.duplicate, name="duplicate"),
    path("journees/<int:pk>/etat/", backoffice.change_state, name="change_state"),
    path("journees/<int:pk>/documents/", backoffice.add_document, name="add_document"),
    path(
        "journees/<int:pk>/documents/<int:document_pk>/supprimer/",
        backoffice.delete_document,
        name="delete_document",
    ),
]
