from django.contrib import admin

from concertation.core.admin import PublicContentAdmin
from concertation.territories.models import (
    Agency,
    Department,
    HealthTerritory,
    Region,
    TerritorialCouncil,
)


@admin.register(Region)
class RegionAdmin(PublicContentAdmin):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]


@admin.register(Department)
class DepartmentAdmin(PublicContentAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]


@admin.register(Agency)
class AgencyAdmin(PublicContentAdmin):
    list_display = ["name", "region"]


class CouncilInline(admin.StackedInline):
    model = TerritorialCouncil


@admin.register(HealthTerritory)
class HealthTerritoryAdmin(PublicContentAdmin):
    list_display = ["name", "region"]
    list_filter = ["region"]
    search_fields = ["name"]
    filter_horizontal = ["departments"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CouncilInline]


@admin.register(TerritorialCouncil)
class TerritorialCouncilAdmin(PublicContentAdmin):
    list_display = ["name", "territory"]
    search_fields = ["name"]
