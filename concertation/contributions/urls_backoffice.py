from django.urls import path

from concertation.contributions.views import campaign_merge, facilitators, organiser

app_name = "contributions_backoffice"
urlpatterns = [
    path("moderation/", organiser.moderation_queue, name="moderation"),
    path("moderation/<int:contribution_pk>/", organiser.moderate, name="moderate"),
    path("journees/<int:pk>/contributions/", organiser.day_contributions, name="day"),
    path("journees/<int:pk>/contributions/<int:contribution_pk>/etat/", organiser.change_state,
         name="change_state"),
    path("journees/<int:pk>/contributions/fusion/", organiser.merge, name="merge"),
    path("journees/<int:pk>/animateurs/", facilitators.facilitators, name="facilitators"),
    path("journees/<int:pk>/animateurs/<int:facilitation_pk>/retirer/",
         facilitators.remove_facilitator, name="remove_facilitator"),
    path("journees/<int:pk>/contributions/fusion/<int:merge_pk>/annuler/", organiser.unmerge,
         name="unmerge"),
    path("concertations/<slug:slug>/fusion/", campaign_merge.campaign_merge,
         name="campaign_merge"),
    path("concertations/<slug:slug>/fusion/<int:merge_pk>/annuler/",
         campaign_merge.campaign_unmerge, name="campaign_unmerge"),
]
