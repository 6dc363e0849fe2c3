"""The demo tells the story to the ministry: two regions' transmissions in the national inbox,
the Auvergne-Rhône-Alpes synthesis validated with amendments and public, loaded once."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from concertation.accounts.scope import scope_for
from concertation.contributions.models import Contribution
from concertation.demo import load_demo
from concertation.events.models import Event, EventState, EventTransition
from concertation.national.models import Transmission
from concertation.synthesis.models import Decision, Synthesis

pytestmark = pytest.mark.django_db


def test_the_demo_transmits_two_regions_to_the_ministry(client,
                                                       django_capture_on_commit_callbacks):
    # The package of the synthesis is built by a task after the demo's commit, as `make run`'s
    # worker builds it.
    with django_capture_on_commit_callbacks(execute=True):
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
    consolidated = client.get(reverse("national:consolidation")).content.decode()
    assert "Auvergne-Rhône-Alpes" in consolidated and "Centre-Val de Loire" in consolidated
    assert "Protéger les soignants contre les violences" in consolidated
    client.logout()
    listing = client.get(reverse("synthesis:index")).content.decode()
    assert listing.count("Synthèse régionale") >= 2
    for kind in ("pdf", "docx", "xlsx", "opendata"):
        assert reverse("synthesis:download", args=[ara.slug, kind]) in listing
    response = client.get(reverse("synthesis:download", args=[ara.slug, "pdf"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_demo_days_have_their_restitutions_published(client):
    load_demo()
    load_demo()  # idempotent: nothing published nor merged twice
    published = Event.objects.filter(state=EventState.RESTITUTION_PUBLISHED)
    ara = published.filter(department__region__code="84", kind=Event.Kind.CONSULTATION_DAY)
    assert ara.count() == 12
    assert published.filter(slug="cnr-sante-eure-et-loir-2024-12-12").exists()
    # Each restitution went through the day's lifecycle, logged.
    assert EventTransition.objects.filter(to_state=EventState.RESTITUTION_PUBLISHED).count() == 13
    # One second wording merged into the most supported proposal of each ARA workshop (4 a day),
    # and the violence morning's leads, six of them, four with wordings merged in.
    assert Contribution.objects.filter(event__in=ara, merged_into__isnull=False).count() == 48
    day = Event.objects.get(slug="cnr-sante-eure-et-loir-2024-12-12")
    leads = Contribution.objects.filter(event=day, merged_into__isnull=True)
    assert leads.count() == 6 and all(c.state == "retained" for c in leads)
    assert Contribution.objects.filter(event=day, merged_into__isnull=False).count() == 6
    assert all(c.agree_count > 0 for c in leads)
    page = client.get(reverse("events:detail", args=[day.slug])).content.decode()
    assert "Restitution : pistes de travail" in page
    assert "Accompagner le soignant agressé dans son dépôt de plainte" in page
    assert "Issue de 3 contributions" in page
    page = client.get(reverse("events:detail", args=[ara.first().slug])).content.decode()
    assert "Restitution : pistes de travail" in page and "Issue de 2 contributions" in page
