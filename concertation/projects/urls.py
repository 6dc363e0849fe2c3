from django.urls import path

from concertation.projects.views import public

app_name = "projects"
urlpatterns = [
    path("projets/", public.project_list, name="list"),
    path("projets/donnees/", public.open_data_page, name="open_data_page"),
    path("projets/donnees/<str:name>", public.open_data, name="open_data"),
    path("projets/abonnement/confirmer/<str:token>/", public.confirm, name="confirm"),
    path("projets/abonnement/desabonner/<str:token>/", public.unsubscribe, name="unsubscribe"),
    path("projets/<slug:slug>/", public.detail, name="detail"),
    path("projets/<slug:slug>/suivre/", public.follow, name="follow"),
    path("projets/<slug:slug>/jalons/<int:pk>/<str:filename>", public.evidence,
         name="evidence"),
]
