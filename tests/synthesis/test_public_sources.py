"""The public page of a synthesis leads from each validated proposal to the contributions behind
it: those its group cites and those merged into them, with where each came from, a link to
each public contribution page, and nothing personal."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from concertation.campaigns.models import Campaign
from concertation.contributions import services as contributions
from concertation.territories.models import Department, Region
from tests.factories import (
    CampaignFactory,
    ContributionFactory,
    EventFactory,
    RegistrationFactory,
    SynthesisFactory,
    SynthesisGroupFactory,
    ThemeFactory,
    UserFactory,
    WorkshopFactory,
    cite,
    decide,
    make_territory,
)

pytestmark = pytest.mark.django_db

LONG = ("Ouvrir des centres de santé de proximité avec des médecins salariés, " * 20).strip()


def _synthesis(groups: int = 1):
    """A transmitted regional synthesis of `groups` validated proposals. The first cites a
    workshop contribution (with two merged into it, one through the other), one made online,
    a refused one holding HTML, and one awaiting moderation; the others one contribution each."""
    region = Region.objects.get(code="84")
    campaign = CampaignFactory(scope=Campaign.Scope.LOCAL, region=region,
                               title="CNR Santé Auvergne-Rhône-Alpes")
    theme = ThemeFactory(campaign=campaign, title="Accès aux soins", position=1)
    ain, isere = make_territory("01"), make_territory("38")
    day_ain = EventFactory(campaign=campaign, health_territory=ain, past=True,
                           title="Journée de l’Ain", date=dt.date(2024, 2, 1))
    day_isere = EventFactory(campaign=campaign, health_territory=isere, past=True,
                             title="Journée de l’Isère", date=dt.date(2024, 3, 5))
    workshop = WorkshopFactory(event=day_ain, title="Accès aux médecins")
    registration = RegistrationFactory(event=day_ain, college="professionnel",
                                       email="dominique@example.org")
    author = UserFactory(first_name="Claude", last_name="Secret", email="claude@example.org")
    cited = ContributionFactory(event=day_ain, workshop=workshop, campaign=campaign,
                                registration=registration, theme=theme,
                                text="Un médecin <b>traitant</b> & \"pour tous\"")
    merged = ContributionFactory(event=day_isere, campaign=campaign, college="elu", theme=theme,
                                 text="Plus de médecins en Isère")
    deeper = ContributionFactory(event=day_isere, campaign=campaign, theme=theme, text=LONG,
                                 workshop=WorkshopFactory(event=day_isere, title="Prévention"))
    online = ContributionFactory(event=None, origin="online", campaign=campaign, author=author,
                                 department=Department.objects.get(code="69"),
                                 college="citoyen", theme=theme, title="Maisons <i>de</i> santé",
                                 text="Des maisons de santé partout")
    refused = ContributionFactory(event=day_isere, campaign=campaign, theme=theme,
                                  text="<script>alert('x')</script> Mon voisin est malade")
    contributions.transition(contribution=refused, target="rejected", user=None,
                             reason="Donnée de santé d’une personne")
    pending = ContributionFactory(event=day_ain, campaign=campaign, state="submitted",
                                  text="Texte en attente de modération")
    contributions.merge(target=merged, sources=[deeper], user=None)
    contributions.merge(target=cited, sources=[merged], user=None)
    synthesis = SynthesisFactory(campaign=campaign, region=region, slug="synthese-sources",
                                 title="Synthèse des sources", state="transmitted",
                                 is_public=True, transmitted_at=dt.datetime(2024, 6, 1,
                                                                            tzinfo=dt.UTC))
    synthesis.days.set([day_ain, day_isere])
    first = SynthesisGroupFactory(synthesis=synthesis, theme=theme, position=1,
                                  title="Un médecin traitant pour chacun")
    cite(first, cited, online, refused, pending)
    decide(first)
    for n in range(1, groups):
        group = SynthesisGroupFactory(synthesis=synthesis, theme=theme, position=1 + n,
                                      title=f"Proposition {n}")
        # Every other one with a merge and from online, so that each kind of row repeats.
        source = ContributionFactory(event=(day_ain, day_isere)[n % 2], campaign=campaign,
                                     workshop=workshop if n % 2 == 0 else None,
                                     text=f"Contribution source {n}")
        if n % 2:
            extra = ContributionFactory(event=None, origin="online", campaign=campaign,
                                        author=UserFactory(), text=f"En ligne {n}")
            contributions.merge(target=source, sources=[extra], user=None)
        cite(group, source)
        decide(group)
    return {"synthesis": synthesis, "cited": cited, "merged": merged, "deeper": deeper,
            "online": online, "refused": refused, "pending": pending, "author": author,
            "registration": registration}


def _page(client, slug="synthese-sources") -> str:
    response = client.get(reverse("synthesis:detail", args=[slug]))
    assert response.status_code == 200
    return response.content.decode()


def _sources(page: str, number: int = 1) -> str:
    """The disclosure under proposal `number`."""
    card = page.split(f"{number}. ", 1)[1]
    return card[card.index("<details"):card.index("</details>")]


def _link(pk: int) -> str:
    return f'<a href="{reverse("contributions:detail", args=[pk])}">'


def test_each_source_with_its_origin_and_link(client):
    data = _synthesis()
    page = _page(client)
    sources = _sources(page)
    # The count matches the provenance line: 4 cited, 2 merged into the first of them.
    assert "<strong>Provenance :</strong> 6 contributions · dont 1 en ligne" in page
    assert "<summary" in sources and "Contributions à l’origine (6)</summary>" in sources
    assert "Atelier « Accès aux médecins », Journée de l’Ain, 1er février 2024 · Ain · " \
           "Professionnel de santé" in sources
    assert "Plus de médecins en Isère" in sources
    assert "Journée de l’Isère, 5 mars 2024 · Isère · Élu" in sources
    assert "Atelier « Prévention », Journée de l’Isère, 5 mars 2024 · Isère" in sources
    assert "En ligne, CNR Santé Auvergne-Rhône-Alpes · Rhône · Citoyen" in sources
    for key in ("cited", "merged", "deeper", "online"):
        assert _link(data[key].pk) in sources, key
    # Merged ones are nested under the contribution they were merged into, however deep.
    nested = sources.split(f"Voir la contribution n° {data['cited'].pk}", 1)[1].split("</ul>")[0]
    assert nested.count("Fusionnée</span>") == 2
    assert "Plus de médecins en Isère" in nested and "Ouvrir des centres" in nested


def test_a_long_text_is_cut_at_a_word_and_whole_on_its_own_page(client):
    data = _synthesis()
    sources = _sources(_page(client))
    excerpt = re.search(r"« (Ouvrir des centres[^»]*) »", sources).group(1)
    assert excerpt.endswith("…") and len(excerpt) <= 301
    assert excerpt[:-1] in LONG and LONG.startswith(excerpt[:-1])
    assert LONG not in sources
    whole = client.get(reverse("contributions:detail", args=[data["deeper"].pk]))
    assert LONG in whole.content.decode()


def test_html_in_texts_and_titles_is_escaped(client):
    _synthesis()
    sources = _sources(_page(client))
    assert "Un médecin &lt;b&gt;traitant&lt;/b&gt; &amp; &quot;pour tous&quot;" in sources
    assert "<strong>Maisons &lt;i&gt;de&lt;/i&gt; santé</strong>" in sources
    assert "<b>" not in sources and "<i>" not in sources and "<script" not in sources


def test_a_contribution_not_public_is_listed_without_text_nor_link(client):
    # Listed, so that the count matches the provenance line above it; without its text, since
    # moderation held it back (here: a person's health) and this page must not publish it
    # anyway; without a link, since its page is a 404 for the public.
    data = _synthesis()
    sources = _sources(_page(client))
    assert sources.count("Contribution non publiée : son texte n’est pas affiché.") == 2
    for key in ("refused", "pending"):
        assert _link(data[key].pk) not in sources
    assert "Mon voisin est malade" not in sources and "alert(" not in sources
    assert "Texte en attente de modération" not in sources
    # Its origin still shows: the provenance line counts its day and territory already.
    assert "Journée de l’Isère, 5 mars 2024 · Isère</span>" in sources


def test_nothing_personal(client):
    data = _synthesis()
    page = _page(client)
    registration, author = data["registration"], data["author"]
    for personal in (registration.first_name, registration.last_name, registration.email,
                     author.first_name, author.last_name, author.email, author.username):
        assert personal not in page


@pytest.mark.parametrize("logged_in", [False, True])
def test_anonymous_and_signed_in_visitors_see_the_same_sources(client, logged_in):
    data = _synthesis()
    if logged_in:
        # Even the author of the refused contribution: the page is the same for everyone.
        refused = data["refused"]
        refused.author = UserFactory()
        refused.save(update_fields=["author"])
        client.force_login(refused.author)
    sources = _sources(_page(client))
    assert "Contributions à l’origine (6)" in sources
    assert _link(data["online"].pk) in sources
    assert _link(data["refused"].pk) not in sources
    assert "Mon voisin est malade" not in sources


def test_cached_page_follows_later_moderation(client, settings):
    settings.PUBLIC_PAGE_CACHE = True
    data = _synthesis()
    pending, online = data["pending"], data["online"]
    sources = _sources(_page(client))
    assert "Texte en attente de modération" not in sources
    assert _link(online.pk) in sources
    # Moderation goes through the contributions' services, which bump the public content
    # version: the cached page is not served any more.
    contributions.transition(contribution=pending, target="published", user=None)
    contributions.transition(contribution=online, target="rejected", user=None,
                             reason="Propos injurieux")
    sources = _sources(_page(client))
    assert "Texte en attente de modération" in sources and _link(pending.pk) in sources
    assert "Des maisons de santé partout" not in sources and _link(online.pk) not in sources
    assert "Contributions à l’origine (6)" in sources


@pytest.mark.parametrize("groups", [1, 12])
def test_query_count_is_constant(client, groups, django_assert_num_queries):
    _synthesis(groups)
    # synthesis, report (11), latest package, the contributions behind all the proposals (1),
    # the ministry's follow-ups (1)
    with django_assert_num_queries(15):
        page = _page(client)
    assert page.count("<details") == groups
    assert f"Propositions validées ({groups})" in page
