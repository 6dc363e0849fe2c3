from django.urls import path

from concertation.contributions.views import capture, participant, public

app_name = "contributions"
urlpatterns = [
    path("contributions/", public.contribution_list, name="list"),
    path("contributions/export.<str:fmt>", public.export, name="export"),
    path("animation/ateliers/<int:pk>/", capture.capture_page, name="capture"),
    path("animation/ateliers/<int:pk>/saisie/", capture.capture_submit, name="capture_submit"),
    path("animation/ateliers/<int:pk>/saisie/<int:contribution_pk>/", capture.capture_edit,
         name="capture_edit"),
    path("ateliers/<int:pk>/projection/", capture.projector, name="projector"),
    path("inscriptions/<str:token>/contributions/", participant.vote_page, name="vote_page"),
    path("inscriptions/<str:token>/contributions/<int:contribution_pk>/vote/", participant.vote,
         name="vote"),
]
