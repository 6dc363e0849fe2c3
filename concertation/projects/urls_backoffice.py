from django.urls import path

from concertation.projects.views import backoffice

app_name = "projects_backoffice"
urlpatterns = [
    path("projets/", backoffice.home, name="home"),
    path("projets/nouveau/", backoffice.create, name="create"),
    path("projets/import/", backoffice.import_sheet, name="import"),
    path("projets/jalons.<str:fmt>", backoffice.export_sheet, name="export"),
    path("projets/<int:pk>/", backoffice.manage, name="manage"),
    path("projets/<int:pk>/modifier/", backoffice.edit, name="edit"),
    path("projets/<int:pk>/etat/", backoffice.change_state, name="change_state"),
    path("projets/<int:pk>/jalons/", backoffice.add_milestone, name="add_milestone"),
    path("projets/<int:pk>/jalons/<int:milestone_pk>/", backoffice.edit_milestone,
         name="edit_milestone"),
    path("projets/<int:pk>/jalons/<int:milestone_pk>/supprimer/", backoffice.delete_milestone,
         name="delete_milestone"),
    path("projets/<int:pk>/actualites/", backoffice.add_update, name="add_update"),
]
