from django.contrib import admin

from concertation.core.admin import PublicContentAdmin
from concertation.projects.models import Programme


# Pacts and programmes are reference data, like health territories: edited in the admin.
# Projects are not: their changes go through `projects.services` (lifecycle, log, scope).
@admin.register(Programme)
class ProgrammeAdmin(PublicContentAdmin):
    list_display = ["name", "region", "health_territory", "signed_on"]
    list_filter = ["region"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
