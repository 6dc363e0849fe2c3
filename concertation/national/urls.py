from django.urls import path

from concertation.national import views

app_name = "national"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("consolidation/", views.consolidation_page, name="consolidation"),
    path("consolidation/rapport.<str:fmt>", views.consolidation_report,
         name="consolidation_report"),
    path("transmissions/<int:pk>/", views.detail, name="detail"),
    path("transmissions/<int:pk>/accuser-reception/", views.acknowledge, name="acknowledge"),
    path("transmissions/<int:pk>/questions/", views.ask, name="ask"),
    path("transmissions/<int:pk>/suites/<int:group_pk>/", views.follow_up, name="follow_up"),
]
