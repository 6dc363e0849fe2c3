from django.contrib.auth import views as auth_views
from django.urls import path

from concertation.accounts import views
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
]
