from django.contrib.auth import views as auth_views
from django.urls import path

from concertation.accounts import views, views_privacy
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
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("lien/", views.request_link, name="magic_request"),
    path("lien/<str:token>/", views.magic_login, name="magic_login"),
    path("mes-donnees/", views_privacy.my_data, name="my_data"),
    path("mes-donnees/donnees.json", views_privacy.download, name="my_data_download"),
    path("mes-donnees/effacer/", views_privacy.erase, name="my_data_erase"),
]
