"""The admin edits reference data shown on public pages (regions, departments, health
territories and their councils, campaigns and their themes, programmes). It writes past the
services, so it bumps the public content version itself, as they do: otherwise a cached page
kept a deleted territory or theme for up to the cache's 300 s. Saves and deletions are bumped
here rather than by a signal (the architecture keeps one signal only)."""

from __future__ import annotations

from django.contrib import admin

from concertation.core.public_cache import bump_public_content


class PublicContentAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every write bumps the public content version, in the admin's
    transaction. Inline rows are saved with their parent's form, through `save_model`."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        bump_public_content()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        bump_public_content()

    def delete_queryset(self, request, queryset):
        # The changelist's "delete selected" action.
        super().delete_queryset(request, queryset)
        bump_public_content()
