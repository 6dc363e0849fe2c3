from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from concertation.accounts import views, views_proconnect
from concertation.accounts.forms import LoginForm
from concertation.accounts.passwords import ChoosePasswordForm, PasswordLinkForm

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
    # Accounts with a role choose their password through a mailed link (`passwords.py`).
    path("mot-de-passe/", auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset_form.html", form_class=PasswordLinkForm,
        success_url=reverse_lazy("accounts:password_reset_done")), name="password_reset"),
    path("mot-de-passe/envoye/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("mot-de-passe/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html", form_class=ChoosePasswordForm,
        success_url=reverse_lazy("accounts:password_reset_complete")),
        name="password_reset_confirm"),
    path("mot-de-passe/enregistre/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password_reset_complete"),
    path("lien/<str:token>/", views.magic_login, name="magic_login"),
    path("proconnect/connexion/", views_proconnect.login_start, name="proconnect_login"),
    path("proconnect/retour/", views_proconnect.callback, name="proconnect_callback"),
    path(
        "proconnect/deconnexion/",
        views_proconnect.ProConnectLogoutView.as_view(),
        name="proconnect_logout",
    ),
]
