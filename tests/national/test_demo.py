"""The demo tells the story to the ministry: two regions' transmissions in the national inbox,
the Auvergne-Rhône-Alpes synthesis validated with amendments and public, loaded once."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from concertation.accounts.scope import scope_for
from concertation.demo import load_demo
from concertation.national.models import Transmission
from concertation.synthesis.models import Decision, Synthesis

pytestmark = pytest.mark.django_db


def test_the_demo_transmits_two_regions_to_the_ministry(client):
    load_demo()
    load_demo()  # idempotent: nothing doubled
    transmissions = Transmission.objects.select_related("synthesis__region")
    assert sorted(t.synthesis.region.code for t in transmissions) == ["24", "84"]
    ara = Synthesis.objects.get(region__code="84", level="region")
    assert ara.is_public and ara.state == "transmitted"
    assert ara.transmitted_at.date().isoformat() == "2022-12-20"
    assert Decision.objects.filter(group__synthesis=ara, outcome="amended").count() == 2
    ministry = get_user_model().objects.get(username="ministere")
    assert ministry.check_password("concertation-demo") and scope_for(ministry).national
    client.force_login(ministry)
    inbox = client.get(reverse("national:inbox")).content.decode()
    assert "Auvergne-Rhône-Alpes" in inbox and "Centre-Val de Loire" in inbox
    assert client.get(reverse("synthesis:index")).content.decode().count(
        "Synthèse régionale") >= 2
