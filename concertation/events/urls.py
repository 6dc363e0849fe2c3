from django.urls import path

from concertation.events.views import public

app_name = "events"
urlpatterns = [
    path("agenda/", public.agenda, name="agenda"),
    path("agenda.ics", public.agenda_ics, name="agenda_ics"),
    path("agenda/region-<str:region_code>.ics", public.region_ics, name="region_ics"),
    path("journees/<slug:slug>/", public.detail, name="detail"),
    path("journees/<slug:slug>.ics", public.event_ics, name="ics"),
    path("journees/<slug:slug>/documents/<int:pk>/<str:filename>", public.document,
         name="document"),
]
