from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from concertation.accounts.scope import scope_for
from concertation.analysis_runs.models import AnalysisRun
from concertation.contributions.models import Contribution, ContributionTransition
from concertation.core.public_cache import current_version
from concertation.synthesis import consolidation, editing, revisions, selection, services
from concertation.synthesis.models import (
    Decision,
    Synthesis,
    SynthesisGroup,
    SynthesisItem,
    SynthesisRevision,
)
from tests.factories import ContributionFactory
from tests.synthesis.workspace_world import drafted, regional, submitted, validated, world

pytestmark = pytest.mark.django_db
__all__ = ["world"]


def _titles(synthesis, accepted=None):
    groups = synthesis.groups.order_by("position", "id")
    if accepted is not None:
        groups = groups.filter(accepted=accepted)
    return [g.title for g in groups]


def _members(group):
    return sorted(group.items.values_list("contribution_id", flat=True))


def test_consolidation_proposes_the_duplicates_across_territories(world):
    synthesis = regional(world)
    assert synthesis.level == Synthesis.Level.REGION and synthesis.region == world.ain.region
    assert set(synthesis.days.all()) == {world.day_ain, world.day_isere}
    suggestions = list(synthesis.groups.order_by("position"))
    assert all(not g.accepted for g in suggestions)
    ain, isere = world.contributions[:3], world.contributions[3:]
    found = [_members(g) for g in suggestions]
    # The same two ideas, raised in both territories, each proposed as one group; the rest
    # stays to be sorted.
    assert sorted(found) == sorted([sorted([ain[0].pk, isere[0].pk]),
                                    sorted([ain[1].pk, isere[1].pk])])
    rows = consolidation.suggestion_rows(synthesis)
    assert all(row.territories == ["Ain", "Isère"] for row in rows)
    revision = synthesis.revisions.get(number=synthesis.revision)
    assert "Doublons détectés : 2 groupes suggérés" in revision.summary
    assert len(revision.snapshot["groups"]) == 2


def test_creation_from_an_analysis_run_gives_suggestions_and_skips_other(world):
    ids = [c.pk for c in world.contributions]
    # A run over the Ain's territory: the CTS reaches only the runs of its own area.
    run = AnalysisRun.objects.create(
        campaign=world.campaign, health_territory=world.ain, status=AnalysisRun.Status.DONE,
        engine_version="test", result={"groups": [
            {"id": 1, "label": "médecin, traitant", "members": ids[:2], "other": False},
            {"id": 0, "label": "Autres contributions", "members": ids[2:], "other": True},
        ]})
    synthesis = services.create_synthesis(
        scope=scope_for(world.cts_ain), user=world.cts_ain, campaign=world.campaign,
        level="territory", title="Synthèse de l’Ain", health_territory=world.ain,
        source_run=run)
    # The territory's synthesis keeps only the Ain's contributions of the group.
    [group] = synthesis.groups.all()
    assert not group.accepted and group.title == "médecin, traitant"
    assert _members(group) == [ids[0], ids[1]]
    assert synthesis.region == world.ain.region and synthesis.revision == 1
    assert "à partir de l’analyse" in synthesis.revisions.get().summary


def test_scope_of_creation(world):
    with pytest.raises(PermissionDenied):
        services.create_synthesis(
            scope=scope_for(world.cts_ain), user=world.cts_ain, campaign=world.campaign,
            level="region", title="Région", region=world.ain.region)
    with pytest.raises(PermissionDenied):
        services.create_synthesis(
            scope=scope_for(world.cts_elsewhere), user=world.cts_elsewhere,
            campaign=world.campaign, level="event", title="Journée", event=world.day_ain)
    with pytest.raises(revisions.SynthesisError, match="Choisissez la journée"):
        services.create_synthesis(scope=scope_for(world.ars), user=world.ars,
                                  campaign=world.campaign, level="event", title="Journée")
    assert not Synthesis.objects.exists()


def test_group_operations_each_record_a_revision(world):
    synthesis = regional(world)
    scope, user = scope_for(world.ars), world.ars
    first, second = synthesis.groups.order_by("position")
    start = synthesis.revision

    editing.accept_group(scope=scope, user=user, synthesis=synthesis, group=first)
    editing.dismiss_group(scope=scope, user=user, synthesis=synthesis, group=second)
    assert _titles(synthesis) == [first.title]
    pool = selection.source_contributions(synthesis).exclude(
        pk__in=synthesis.items.values("contribution_id"))
    assert pool.count() == 4

    editing.update_group(scope=scope, user=user, synthesis=synthesis, group=first,
                          title="Un médecin traitant pour tous", kind="work_lead",
                          text="Garantir un médecin traitant.", theme=world.theme)
    first.refresh_from_db()
    assert (first.title, first.kind, first.theme) == ("Un médecin traitant pour tous",
                                                      "work_lead", world.theme)

    loose = list(pool.order_by("pk").values_list("pk", flat=True))
    created = editing.create_group(scope=scope, user=user, synthesis=synthesis,
                                    title="Prévention", contribution_ids=loose[:2])
    assert _members(created) == loose[:2]
    editing.move_items(scope=scope, user=user, synthesis=synthesis,
                        contribution_ids=[loose[2]], target=created.pk)
    assert _members(created) == loose[:3]
    editing.move_items(scope=scope, user=user, synthesis=synthesis,
                        contribution_ids=[loose[2]], target=None)
    assert _members(created) == loose[:2]

    split = editing.split_group(scope=scope, user=user, synthesis=synthesis, group=created,
                                 contribution_ids=[loose[1]], title="Sport sur ordonnance")
    assert _members(split) == [loose[1]] and _members(created) == [loose[0]]

    before_merge = _members(first)
    merged = editing.merge_groups(scope=scope, user=user, synthesis=synthesis, target=first,
                                   sources=[split.pk])
    assert _members(merged) == sorted([*before_merge, loose[1]])
    assert not SynthesisGroup.objects.filter(pk=split.pk).exists()

    with pytest.raises(revisions.SynthesisError, match="contient encore"):
        editing.delete_group(scope=scope, user=user, synthesis=synthesis, group=created)
    editing.move_items(scope=scope, user=user, synthesis=synthesis,
                        contribution_ids=[loose[0]], target=None)
    editing.delete_group(scope=scope, user=user, synthesis=synthesis, group=created)

    synthesis.refresh_from_db()
    summaries = list(synthesis.revisions.filter(number__gt=start).order_by("number")
                     .values_list("summary", flat=True))
    assert synthesis.revision == start + len(summaries) == start + 10
    assert summaries[0].endswith("retenu")
    assert "écartée" in summaries[1]
    assert "renommé" in summaries[2] and "texte modifié" in summaries[2]
    assert "scindé" in summaries[6] and "fusionné" in summaries[7]
    assert summaries[-1] == "Groupe « Prévention » supprimé"
    last = synthesis.revisions.get(number=synthesis.revision).snapshot
    assert [g["title"] for g in last["groups"]] == ["Un médecin traitant pour tous"]


def test_a_contribution_is_in_one_group_only_and_foreign_ones_are_refused(world):
    synthesis = regional(world)
    scope = scope_for(world.ars)
    first, second = synthesis.groups.order_by("position")
    moved = _members(first)[0]
    editing.move_items(scope=scope, user=world.ars, synthesis=synthesis,
                        contribution_ids=[moved], target=second.pk)
    assert SynthesisItem.objects.filter(synthesis=synthesis, contribution_id=moved).count() == 1
    other_region = ContributionFactory()
    before = synthesis.revisions.count()
    with pytest.raises(revisions.SynthesisError, match="ne font pas partie"):
        editing.move_items(scope=scope, user=world.ars, synthesis=synthesis,
                            contribution_ids=[other_region.pk], target=second.pk)
    assert synthesis.revisions.count() == before


def test_a_stale_form_changes_nothing(world):
    synthesis = regional(world)
    scope = scope_for(world.ars)
    group = synthesis.groups.first()
    read_at = synthesis.revision
    editing.update_group(scope=scope, user=world.ars, synthesis=synthesis, group=group,
                          title="Première version", kind="proposal", text="A",
                          expected_revision=read_at)
    with pytest.raises(revisions.Conflict, match="Quelqu’un d’autre a modifié"):
        editing.update_group(scope=scope, user=world.cts_ain, synthesis=synthesis,
                              group=group, title="Seconde version", kind="proposal", text="B",
                              expected_revision=read_at)
    group.refresh_from_db()
    assert (group.title, group.text) == ("Première version", "A")
    synthesis.refresh_from_db()
    assert synthesis.revision == read_at + 1


def test_submission_needs_every_suggestion_decided_and_every_text_written(world):
    synthesis = regional(world)
    scope = scope_for(world.ars)
    with pytest.raises(revisions.SynthesisError, match="2 suggestions restantes"):
        services.transition(scope=scope, user=world.ars, synthesis=synthesis,
                            target="in_validation")
    editing.accept_all(scope=scope, user=world.ars, synthesis=synthesis)
    # Suggested groups start with their common wording as a draft text.
    first = synthesis.groups.order_by("position").first()
    assert first.text == min((c.contribution.text for c in first.items.all()), key=len)
    editing.create_group(scope=scope, user=world.ars, synthesis=synthesis, title="Vide")
    with pytest.raises(revisions.SynthesisError, match="il manque : « Vide »"):
        services.transition(scope=scope, user=world.ars, synthesis=synthesis,
                            target="in_validation")
    synthesis.refresh_from_db()
    assert synthesis.state == "draft"


def test_submitted_synthesis_refuses_edits_and_goes_back_only_before_decisions(world):
    synthesis = submitted(world)
    scope = scope_for(world.ars)
    group = synthesis.groups.first()
    with pytest.raises(revisions.SynthesisError, match="soumise à la CRSA"):
        editing.update_group(scope=scope, user=world.ars, synthesis=synthesis, group=group,
                              title="Autre", kind="proposal", text="Autre")
    services.transition(scope=scope, user=world.ars, synthesis=synthesis, target="draft")
    services.transition(scope=scope, user=world.ars, synthesis=synthesis,
                        target="in_validation")
    services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=group,
                             outcome="adopted", votes_for=1, votes_against=0, abstentions=0)
    with pytest.raises(revisions.SynthesisError, match="ne peut plus revenir"):
        services.transition(scope=scope, user=world.ars, synthesis=synthesis, target="draft")
    states = list(synthesis.transitions.values_list("from_state", "to_state"))
    assert states[-3:] == [("draft", "in_validation"), ("in_validation", "draft"),
                           ("draft", "in_validation")]


def test_decisions_are_recorded_once_with_their_vote_count(world):
    synthesis = submitted(world)
    scope = scope_for(world.ars)
    first, second = synthesis.groups.order_by("position")
    with pytest.raises(revisions.SynthesisError, match="décompte des voix"):
        services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=first,
                                 outcome="adopted", votes_for=12, votes_against=None,
                                 abstentions=0)
    with pytest.raises(revisions.SynthesisError, match="texte amendé"):
        services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=first,
                                 outcome="amended", votes_for=12, votes_against=1,
                                 abstentions=0, amended_text=" ")
    assert not Decision.objects.exists()
    decision = services.record_decision(
        scope=scope, user=world.ars, synthesis=synthesis, group=first, outcome="amended",
        votes_for=12, votes_against=1, abstentions=2, amended_text="Texte amendé par la CRSA.")
    assert decision.original_text == first.text
    assert decision.final_text == "Texte amendé par la CRSA."
    with pytest.raises(revisions.SynthesisError, match="deux fois"):
        services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=first,
                                 outcome="rejected", votes_for=0, votes_against=20,
                                 abstentions=0)
    decision.refresh_from_db()
    assert decision.outcome == "amended" and Decision.objects.count() == 1
    with pytest.raises(revisions.SynthesisError, match="1 proposition sans décision"):
        services.transition(scope=scope, user=world.ars, synthesis=synthesis,
                            target="validated")
    services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=second,
                             outcome="postponed", votes_for=5, votes_against=5, abstentions=9)
    services.transition(scope=scope, user=world.ars, synthesis=synthesis, target="validated")
    synthesis.refresh_from_db()
    assert synthesis.state == "validated"
    summary = synthesis.revisions.get(number=synthesis.revision - 1).summary
    assert "ajournée (5 pour, 5 contre, 9 abstentions)" in summary


def test_decisions_need_a_submitted_synthesis(world):
    synthesis = drafted(world)
    with pytest.raises(revisions.SynthesisError, match="soumise à la CRSA"):
        services.record_decision(scope=scope_for(world.ars), user=world.ars,
                                 synthesis=synthesis, group=synthesis.groups.first(),
                                 outcome="adopted", votes_for=1, votes_against=0,
                                 abstentions=0)


def test_transmission_freezes_the_version(world):
    synthesis = validated(world)
    scope = scope_for(world.ars)
    services.set_public(scope=scope, user=world.ars, synthesis=synthesis, public=True)
    services.transition(scope=scope, user=world.ars, synthesis=synthesis, target="transmitted")
    synthesis.refresh_from_db()
    assert synthesis.frozen and synthesis.transmitted_by == world.ars
    group = synthesis.groups.first()
    revision = synthesis.revision
    calls = [
        lambda: editing.update_group(scope=scope, user=world.ars, synthesis=synthesis,
                                      group=group, title="X", kind="proposal", text="X"),
        lambda: editing.move_items(scope=scope, user=world.ars, synthesis=synthesis,
                                    contribution_ids=_members(group), target=None),
        lambda: services.transition(scope=scope, user=world.ars, synthesis=synthesis,
                                    target="validated"),
        lambda: editing.accept_all(scope=scope, user=world.ars, synthesis=synthesis),
        lambda: services.record_decision(scope=scope, user=world.ars, synthesis=synthesis,
                                         group=group, outcome="rejected", votes_for=0,
                                         votes_against=1, abstentions=0),
    ]
    for call in calls:
        with pytest.raises(revisions.Frozen, match="figée"):
            call()
    synthesis.refresh_from_db()
    assert synthesis.revision == revision and synthesis.state == "transmitted"


def test_a_new_edition_starts_as_a_draft_with_the_final_texts(world):
    synthesis = submitted(world)
    scope = scope_for(world.ars)
    first, second = synthesis.groups.order_by("position")
    services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=first,
                             outcome="amended", votes_for=9, votes_against=0, abstentions=0,
                             amended_text="Texte amendé.")
    services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=second,
                             outcome="rejected", votes_for=1, votes_against=9, abstentions=0)
    services.transition(scope=scope, user=world.ars, synthesis=synthesis, target="validated")
    with pytest.raises(revisions.SynthesisError, match="peut encore être modifiée"):
        services.new_edition(scope=scope, user=world.ars, synthesis=synthesis)
    adopted = set(first.items.values_list("contribution_id", flat=True))
    rejected = set(second.items.values_list("contribution_id", flat=True))
    states = dict(Contribution.objects.values_list("pk", "state"))
    assert {states[pk] for pk in adopted} == {"validated"}
    assert {states[pk] for pk in rejected} == {"published"}
    services.transition(scope=scope, user=world.ars, synthesis=synthesis, target="transmitted")
    states = dict(Contribution.objects.values_list("pk", "state"))
    assert {states[pk] for pk in adopted} == {"transmitted"}
    assert {states[pk] for pk in rejected} == {"published"}
    log = ContributionTransition.objects.filter(contribution_id=min(adopted)).last()
    assert log.reason == "Transmise avec la synthèse « Consolidation régionale » (version 1)"
    copy = services.new_edition(scope=scope, user=world.ars, synthesis=synthesis)
    assert (copy.edition, copy.previous_id, copy.state) == (2, synthesis.pk, "draft")
    assert copy.slug != synthesis.slug and set(copy.days.all()) == set(synthesis.days.all())
    texts = list(copy.groups.order_by("position").values_list("text", flat=True))
    assert texts == ["Texte amendé.", second.text]
    assert [_members(g) for g in copy.groups.order_by("position")] == [_members(first),
                                                                      _members(second)]
    assert not Decision.objects.filter(group__synthesis=copy).exists()
    assert Decision.objects.filter(group__synthesis=synthesis).count() == 2
    assert copy.revisions.get().summary.startswith("Version 2 ouverte")
    with pytest.raises(revisions.SynthesisError, match="existe déjà"):
        services.new_edition(scope=scope, user=world.ars, synthesis=synthesis)


def test_public_synthesis_bumps_the_public_content_version(world):
    synthesis = validated(world)
    scope = scope_for(world.ars)
    with pytest.raises(revisions.SynthesisError, match="validée"):
        services.set_public(scope=scope, user=world.ars, synthesis=drafted(world), public=True)
    before = current_version()
    services.set_public(scope=scope, user=world.ars, synthesis=synthesis, public=True)
    assert current_version() > before
    before = current_version()
    services.transition(scope=scope, user=world.ars, synthesis=synthesis, target="transmitted")
    assert current_version() > before


def test_organisers_elsewhere_cannot_write(world):
    synthesis = regional(world)
    group = synthesis.groups.first()
    for user in (world.cts_ain, world.ars_elsewhere, world.cts_elsewhere, world.outsider):
        with pytest.raises(PermissionDenied):
            editing.accept_group(scope=scope_for(user), user=user, synthesis=synthesis,
                                  group=group)
    group.refresh_from_db()
    assert not group.accepted
    assert SynthesisRevision.objects.filter(synthesis=synthesis).count() == synthesis.revision


def test_online_contributions_of_the_region_join_when_included(world):
    from concertation.territories.models import Department

    online = ContributionFactory(event=None, campaign=world.campaign, origin="online",
                                 department=Department.objects.get(code="69"),
                                 text="Former des ambassadeurs de prévention")
    elsewhere = ContributionFactory(event=None, campaign=world.campaign, origin="online",
                                    department=Department.objects.get(code="28"))
    included = regional(world)
    assert online in selection.source_contributions(included)
    assert elsewhere not in selection.source_contributions(included)
    excluded = services.create_synthesis(
        scope=scope_for(world.ars), user=world.ars, campaign=world.campaign, level="region",
        title="Sans le en ligne", region=world.ain.region, days=[world.day_ain])
    assert set(selection.source_contributions(excluded)) == set(world.contributions[:3])


def test_national_and_theme_syntheses_need_their_scope(world):
    scope = scope_for(world.ars)
    with pytest.raises(revisions.SynthesisError, match="Choisissez la région"):
        services.create_synthesis(scope=scope, user=world.ars, campaign=world.campaign,
                                  level="national", title="Nationale")
    national = services.create_synthesis(scope=scope, user=world.ars, campaign=world.campaign,
                                         level="national", title="Contribution régionale",
                                         region=world.ain.region)
    assert set(selection.source_contributions(national)) == set(world.contributions)
    with pytest.raises(revisions.SynthesisError, match="Choisissez le thème"):
        services.create_synthesis(scope=scope, user=world.ars, campaign=world.campaign,
                                  level="theme", title="Thème", region=world.ain.region)
    world.contributions[0].theme = world.theme
    world.contributions[0].save()
    theme = services.create_synthesis(scope=scope, user=world.ars, campaign=world.campaign,
                                      level="theme", title="Accès", region=world.ain.region,
                                      theme=world.theme)
    assert list(selection.source_contributions(theme)) == [world.contributions[0]]
    with pytest.raises(PermissionDenied):
        services.create_synthesis(scope=scope_for(world.ars_elsewhere), user=world.ars_elsewhere,
                                  campaign=world.campaign, level="theme", title="Accès",
                                  region=world.ain.region, theme=world.theme)
