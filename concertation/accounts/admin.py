from django.contrib import admin

from concertation.accounts.forms import AdminLoginForm
from concertation.accounts.models import OidcIdentity, OrganiserMembership

# The admin's sign-in bounds the username as the organisers' does (accounts/forms.py).
admin.site.login_form = AdminLoginForm


@admin.register(OrganiserMembership)
class OrganiserMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "council", "created_at"]
    list_filter = ["role", "agency"]
    autocomplete_fields = ["user", "council"]


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    """ProConnect links: set by the first sign-in, never typed; deleting one lets the account
    be linked again (by its e-mail) at its next ProConnect sign-in."""

    list_display = ["user", "issuer", "sub", "created_at", "last_login_at"]
    search_fields = ["user__username", "user__email", "sub"]
    readonly_fields = ["user", "issuer", "sub", "created_at", "last_login_at"]

    def has_add_permission(self, request):
        return False
