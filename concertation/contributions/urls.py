from django.urls import path

from concertation.contributions.views import capture, participant

app_name = "contributions"
urlpatterns = [
    path("animation/ateliers/<int:pk>/", capture.capture_page, name="capture"),
    path("animation/ateliers/<int:pk>/saisie/", capture.capture_submit, name="capture_submit"),
    path("animation/ateliers/<int:pk>/saisie/<int:contribution_pk>/", capture.capture_edit,
         name="capture_edit"),
    path("ateliers/<int:pk>/projection/", capture.projector, name="projector"),
    path("inscriptions/<str:token>/contributions/", participant.vote_page, name="vote_page"),
    path("inscriptions/<str:token>/contributions/<int:contribution_pk>/vote/", participant.vote,
         name="vote"),
]
