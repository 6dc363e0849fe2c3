"""The admin writes past the services: its saves and deletions bump the public content version
as the services do, so no cached public page outlives them."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from concertation.campaigns.models import Campaign, Theme
from concertation.core.admin import PublicContentAdmin
from concertation.core.public_cache import current_version
from concertation.projects.models import Programme
from concertation.territories.models import (
    Agency,
    Department,
    HealthTerritory,
    Region,
    TerritorialCouncil,
)
from tests.factories import CampaignFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(get_user_model().objects.create_superuser("admin", "a@example.org",
                                                                 "x"))
    return client


def _version():
    from concertation.core import public_cache

    public_cache._version["expires"] = 0.0
    return current_version()


@pytest.mark.parametrize("model", [Campaign, Programme, Region, Department, Agency,
                                   HealthTerritory, TerritorialCouncil])
def test_reference_data_admins_bump_the_public_content(model):
    assert isinstance(admin.site._registry[model], PublicContentAdmin)


def test_a_deletion_in_the_admin_bumps_the_public_content(staff):
    campaign = CampaignFactory()
    before = _version()
    response = staff.post(reverse("admin:campaigns_campaign_delete", args=[campaign.pk]),
                          {"post": "yes"})
    assert response.status_code == 302 and not Campaign.objects.exists()
    assert _version() > before


def test_deleting_selected_rows_bumps_the_public_content(staff):
    campaign = CampaignFactory()
    ThemeFactory(campaign=campaign)
    before = _version()
    response = staff.post(reverse("admin:campaigns_campaign_changelist"), {
        "action": "delete_selected", "_selected_action": [campaign.pk], "post": "yes"})
    assert response.status_code == 302 and not Theme.objects.exists()
    assert _version() > before


def test_a_cached_public_page_does_not_outlive_an_admin_deletion(staff, settings):
    from django.test import Client

    settings.PUBLIC_PAGE_CACHE = True
    theme = ThemeFactory(title="Thème à effacer")
    visitor = Client()  # anonymous, no session: served from the page cache
    assert "Thème à effacer" in visitor.get(reverse("events:agenda")).content.decode()
    # The campaign deleted in the admin takes its theme with it (cascade).
    staff.post(reverse("admin:campaigns_campaign_delete", args=[theme.campaign.pk]),
               {"post": "yes"})
    assert not Theme.objects.exists()
    assert "Thème à effacer" not in visitor.get(reverse("events:agenda")).content.decode()


def test_a_cached_count_does_not_outlive_a_voter_deleted_in_the_admin(
        staff, settings, django_capture_on_commit_callbacks):
    """The account's votes go by cascade and the counts are recounted after commit; the
    cached list of contributions kept the old count for up to 300 s."""
    from django.test import Client

    from concertation.contributions import services
    from tests.factories import ContributionFactory, UserFactory

    settings.PUBLIC_PAGE_CACHE = True
    contribution = ContributionFactory(origin="online", event=None)
    voter = UserFactory()
    services.vote(contribution=contribution, value=1, user=voter)
    visitor = Client()
    url = reverse("contributions:list")
    assert "1 d’accord, 0 pas d’accord" in visitor.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("admin:auth_user_delete", args=[voter.pk]),
                              {"post": "yes"})
    assert response.status_code == 302
    _version()  # the next request reads the version again, as it does within a second
    assert "0 d’accord, 0 pas d’accord" in visitor.get(url).content.decode()
