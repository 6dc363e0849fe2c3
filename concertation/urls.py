from django.contrib import admin
from django.urls import include, path

from concertation.api.api import api
from concertation.core import health
from concertation.core import views as core_views
from concertation.front import views as front_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("concertation.front.urls")),
    path("", include("concertation.events.urls")),
    path("", include("concertation.registrations.urls")),
    path("", include("concertation.contributions.urls")),
    path("", include("concertation.synthesis.urls_public")),
    path("", include("concertation.projects.urls")),
    path("", include("concertation.dashboards.urls")),
    path("", include("concertation.api.urls_opendata")),
    path("espace-organisateur/", include("concertation.events.urls_backoffice")),
    path("espace-organisateur/", include("concertation.registrations.urls_backoffice")),
    path("espace-organisateur/", include("concertation.contributions.urls_backoffice")),
    path("espace-organisateur/", include("concertation.analysis_runs.urls")),
    path("espace-organisateur/", include("concertation.projects.urls_backoffice")),
    path("espace-organisateur/", include("concertation.synthesis.urls")),
    path("espace-organisateur/", include("concertation.synthesis.urls_package")),
    path("espace-organisateur/", include("concertation.national.urls_region")),
    path("espace-organisateur/", include("concertation.api.urls_backoffice")),
    path("espace-national/", include("concertation.national.urls")),
    path("compte/", include("concertation.accounts.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    # No route serves MEDIA_ROOT: every file goes through its app's view, which checks the
    # rule of the file's page first (`core/downloads.py`).
]

handler400 = core_views.bad_request
handler403 = front_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
