from django.urls import path

from concertation.contributions.views import capture, online, participant, priority, public

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
    path("animation/", capture.my_workshops, name="my_workshops"),
    path("animation/ateliers/<int:pk>/", capture.capture_page, name="capture"),
    path("animation/ateliers/<int:pk>/saisie/", capture.capture_submit, name="capture_submit"),
    path("animation/ateliers/<int:pk>/saisie/<int:contribution_pk>/", capture.capture_edit,
         name="capture_edit"),
    path("animation/ateliers/<int:pk>/saisie/<int:contribution_pk>/supprimer/",
         capture.capture_delete, name="capture_delete"),
    path("animation/ateliers/<int:pk>/saisie/<int:contribution_pk>/retablir/",
         capture.capture_restore, name="capture_restore"),
    path("animation/ateliers/<int:pk>/priorites/", priority.manage, name="priority_manage"),
    path("animation/ateliers/<int:pk>/priorites/<int:vote_pk>/clore/", priority.close,
         name="priority_close"),
    path("ateliers/<int:pk>/projection/", capture.projector, name="projector"),
    path("ateliers/<int:pk>/priorites/resultats/", priority.results, name="priority_results"),
    path("votes-de-priorite/<int:vote_pk>/", priority.account_allocate,
         name="priority_account"),
    path("inscriptions/<str:token>/priorites/<int:vote_pk>/", priority.participant_allocate,
         name="priority_participant"),
    path("inscriptions/<str:token>/contributions/", participant.vote_page, name="vote_page"),
    path("inscriptions/<str:token>/contributions/<int:contribution_pk>/vote/", participant.vote,
         name="vote"),
]
