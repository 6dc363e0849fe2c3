from django.urls import path

from concertation.registrations.views import certificates, public

app_name = "registrations"
urlpatterns = [
    path("journees/<slug:slug>/inscription/", public.register, name="register"),
    path("journees/<slug:slug>/inscription/envoyee/", public.submitted, name="submitted"),
    path("journees/<slug:slug>/inscription/renvoyer/", public.resend, name="resend"),
    path("inscriptions/<str:token>/", public.manage, name="manage"),
    path("inscriptions/<str:token>/annuler/", public.cancel, name="cancel"),
    path("inscriptions/<str:token>/accepter/", public.accept_offer, name="accept_offer"),
    path("inscriptions/<str:token>/envois/", public.mailings_consent, name="mailings_consent"),
    path("inscriptions/<str:token>/attestation.pdf", certificates.my_certificate,
         name="certificate"),
    path("inscriptions/<str:token>/donnees.json", public.download, name="download"),
    path("inscriptions/<str:token>/effacer/", public.erase, name="erase"),
    path("envois/ne-plus-recevoir/<str:token>/", public.optout, name="optout"),
    path("donnees-personnelles/inscriptions/", public.privacy, name="privacy"),
]
