from django.contrib.auth import views as auth_views
from django.urls import path

from concertation.accounts import views, views_privacy, views_proconnect
from concertation.accounts.forms import LoginForm

app_name = "accounts"
urlpatterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=LoginForm
        ),
        name="login",
    ),
    # Django's logout, which also ends a ProConnect session at the provider.
    path("deconnexion/", views_proconnect.LogoutView.as_view(), name="logout"),
    path("lien/", views.request_link, name="magic_request"),
    path("lien/<str:token>/", views.magic_login, name="magic_login"),
    path("mes-donnees/", views_privacy.my_data, name="my_data"),
    path("mes-donnees/donnees.json", views_privacy.download, name="my_data_download"),
    path("mes-donnees/effacer/", views_privacy.erase, name="my_data_erase"),
    path("proconnect/connexion/", views_proconnect.login_start, name="proconnect_login"),
    path("proconnect/retour/", views_proconnect.callback, name="proconnect_callback"),
    path(
        "proconnect/deconnexion/",
        views_proconnect.ProConnectLogoutView.as_view(),
        name="proconnect_logout",
    ),
]
