from django.urls import path

from concertation.synthesis import views, views_lifecycle

app_name = "synthesis_backoffice"
urlpatterns = [
    path("syntheses/", views.index, name="index"),
    path("syntheses/nouvelle/", views.create, name="create"),
    path("syntheses/consolidation-regionale/", views.consolidate, name="consolidate"),
    path("syntheses/<int:pk>/", views.workspace, name="workspace"),
    path("syntheses/<int:pk>/informations/", views.details, name="details"),
    path("syntheses/<int:pk>/suggestions/", views.suggestions, name="suggestions"),
    path("syntheses/<int:pk>/detection/", views.detection, name="detection"),
    path("syntheses/<int:pk>/groupes/nouveau/", views.new_group, name="new_group"),
    path("syntheses/<int:pk>/groupes/fusion/", views.merge, name="merge"),
    path("syntheses/<int:pk>/groupes/<int:group_pk>/", views.group_detail, name="group"),
    path("syntheses/<int:pk>/groupes/<int:group_pk>/contributions/", views.group_action,
         name="group_action"),
    path("syntheses/<int:pk>/etat/", views_lifecycle.change_state, name="change_state"),
    path("syntheses/<int:pk>/cloture/", views_lifecycle.close_validation, name="close_validation"),
    path("syntheses/<int:pk>/publication/", views_lifecycle.publication, name="publication"),
    path("syntheses/<int:pk>/nouvelle-version/", views_lifecycle.new_edition, name="new_edition"),
    path("syntheses/<int:pk>/liste-consolidee/", views_lifecycle.consolidated, name="consolidated"),
    path("syntheses/<int:pk>/validation/", views_lifecycle.validation, name="validation"),
    path("syntheses/<int:pk>/validation/<int:group_pk>/", views_lifecycle.decide, name="decide"),
    path("syntheses/<int:pk>/historique/", views_lifecycle.history, name="history"),
]
