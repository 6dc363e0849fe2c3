from django.urls import path

from concertation.national import views

app_name = "national_region"
urlpatterns = [
    path("syntheses/<int:pk>/ministere/reponse/", views.answer, name="answer"),
]
