from django.contrib import admin

from concertation.campaigns.models import Campaign, Phase, Theme
from concertation.core.admin import PublicContentAdmin


class ThemeInline(admin.TabularInline):
    model = Theme
    prepopulated_fields = {"slug": ["title"]}
    extra = 0


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(PublicContentAdmin):
    list_display = ["title", "scope", "region", "starts_on"]
    list_filter = ["scope"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ThemeInline, PhaseInline]
