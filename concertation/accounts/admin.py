from django.contrib import admin

from concertation.accounts.models import OrganiserMembership


@admin.register(OrganiserMembership)
class OrganiserMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "council", "created_at"]
    list_filter = ["role", "agency"]
    autocomplete_fields = ["user", "council"]
