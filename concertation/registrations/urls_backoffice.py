from django.urls import path

from concertation.registrations.views import (
    badges,
    certificates,
    day_settings,
    door,
    mailings,
    organiser,
)

app_name = "registrations_backoffice"
urlpatterns = [
    path("journees/<int:pk>/inscriptions/", organiser.registration_list, name="list"),
    path("journees/<int:pk>/messages/", mailings.mailings, name="mailings"),
    path("journees/<int:pk>/messages/annuler/", mailings.mailing_cancel, name="mailing_cancel"),
    path("journees/<int:pk>/inscriptions/export.<fmt>", organiser.export, name="export"),
    path("journees/<int:pk>/inscriptions/ajouter/", organiser.add_on_behalf, name="add"),
    path("journees/<int:pk>/emargement.pdf", organiser.attendance_sheet, name="attendance_sheet"),
    path("journees/<int:pk>/badges/", badges.badge_sheet, name="badges"),
    path("journees/<int:pk>/attestations/", certificates.certificates_page,
         name="certificates"),
    path("journees/<int:pk>/reglages/", day_settings.day_settings, name="settings"),
    path("journees/<int:pk>/besoins-accessibilite/", day_settings.accessibility_needs,
         name="accessibility_needs"),
    path("journees/<int:pk>/accueil/", organiser.check_in, name="check_in"),
    path("journees/<int:pk>/accueil/pointer/", organiser.check_in_mark, name="check_in_mark"),
    path("journees/<int:pk>/accueil/appareil/", door.door, name="door"),
    path("journees/<int:pk>/accueil/appareil/liste.json", door.door_list, name="door_list"),
    path("journees/<int:pk>/accueil/appareil/synchroniser/", door.door_sync, name="door_sync"),
    path("journees/<int:pk>/participation/", organiser.participation, name="participation"),
    path("journees/<int:pk>/questions/", organiser.questions, name="questions"),
]
