from django.contrib import admin

from concertation.accounts.models import OrganiserMembership


@admin.register(OrganiserMembership)
class OrganiserMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "council", "created_at"]
    list_filter = ["agency"]
    autocomplete_fields = ["user", "council"]
