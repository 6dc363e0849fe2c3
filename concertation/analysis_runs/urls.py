from django.urls import path

from concertation.analysis_runs import views

app_name = "analysis_runs"
urlpatterns = [
    path("analyses/", views.index, name="index"),
    path("analyses/<int:pk>/", views.detail, name="detail"),
    path("analyses/<int:pk>/annuler/", views.cancel, name="cancel"),
]
