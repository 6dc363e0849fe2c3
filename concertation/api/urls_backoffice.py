from django.urls import path

from concertation.api import views

app_name = "api_backoffice"
urlpatterns = [
    path("api/jetons/", views.token_list, name="tokens"),
    path("api/jetons/<int:pk>/revoquer/", views.token_revoke, name="token_revoke"),
    path("api/webhooks/", views.webhook_list, name="webhooks"),
    path("api/webhooks/<int:pk>/", views.webhook_detail, name="webhook"),
    path("api/webhooks/<int:pk>/supprimer/", views.webhook_delete, name="webhook_delete"),
]
