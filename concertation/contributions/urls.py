from django.urls import path

from concertation.contributions.views import capture, online, participant, public

app_name = "contributions"
urlpatterns = [
    path("contributions/", public.contribution_list, name="list"),
    path("contributions/export.<str:fmt>", public.export, name="export"),
    path("contributions/<int:pk>/", online.detail, name="detail"),
    path("contributions/<int:pk>/vote/", online.vote, name="online_vote"),
    path("contributions/<int:pk>/commentaires/", online.comment, name="comment"),
    path("contributions/<int:pk>/signaler/", online.report, name="report"),
    path("concertations/<slug:slug>/", online.campaign_page, name="campaign"),
    path("concertations/<slug:slug>/contribuer/", online.contribute, name="contribute"),
    path("concertations/<slug:slug>/similaires/", online.similar, name="similar"),
    path("animation/ateliers/<int:pk>/", capture.capture_page, name="capture"),
    path("animation/ateliers/<int:pk>/saisie/", capture.capture_submit, name="capture_submit"),
    path("animation/ateliers/<int:pk>/saisie/<int:contribution_pk>/", capture.capture_edit,
         name="capture_edit"),
    path("ateliers/<int:pk>/projection/", capture.projector, name="projector"),
    path("inscriptions/<str:token>/contributions/", participant.vote_page, name="vote_page"),
    path("inscriptions/<str:token>/contributions/<int:contribution_pk>/vote/", participant.vote,
         name="vote"),
]
