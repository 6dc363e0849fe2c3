"""The CRSA page as the secretariat uses it through 21 proposals: each form brings the page
back to its own proposal, an outcome that contradicts the vote count is refused in French, and
a decision recorded by mistake is corrected while the synthesis is still before the CRSA (the
correction, like every write, is a revision of the synthesis)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concertation.accounts.scope import scope_for
from concertation.synthesis import revisions, services
from concertation.synthesis.models import Decision, Synthesis
from tests.synthesis.workspace_world import submitted, validated, world

pytestmark = pytest.mark.django_db
__all__ = ["world"]


def _post(client, synthesis, group, outcome, votes, **extra):
    fields = {f"g{group.pk}-outcome": outcome, f"g{group.pk}-votes_for": str(votes[0]),
              f"g{group.pk}-votes_against": str(votes[1]),
              f"g{group.pk}-abstentions": str(votes[2])}
    fields.update({f"g{group.pk}-{name}": value for name, value in extra.items()})
    return client.post(reverse("synthesis_backoffice:decide", args=[synthesis.pk, group.pk]),
                       fields)


def test_each_form_leads_back_to_its_own_proposal(client, world):
    synthesis = submitted(world)
    group = synthesis.groups.order_by("position").last()
    client.force_login(world.ars)
    page = client.get(reverse("synthesis_backoffice:validation", args=[synthesis.pk]))
    # Also when the form comes back with an error: the fragment of the form's action.
    action = reverse("synthesis_backoffice:decide", args=[synthesis.pk, group.pk])
    assert f'action="{action}#proposition-{group.pk}"' in page.content.decode()
    response = _post(client, synthesis, group, "adopted", (12, 1, 0))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#proposition-{group.pk}")


@pytest.mark.parametrize(("outcome", "votes", "message"), [
    ("adopted", (3, 12, 0), "plus de voix contre (12) que de voix pour (3)"),
    ("amended", (5, 5, 2), "autant de voix contre (5) que de voix pour (5)"),
    ("rejected", (14, 2, 0), "plus de voix pour (14) que de voix contre (2)"),
])
def test_an_outcome_against_the_count_is_refused(client, world, outcome, votes, message):
    synthesis = submitted(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    response = _post(client, synthesis, group, outcome, votes, amended_text="Texte amendé.")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Decision.objects.exists()


def test_a_postponement_takes_any_count(client, world):
    synthesis = submitted(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    assert _post(client, synthesis, group, "postponed", (14, 2, 0)).status_code == 302
    assert Decision.objects.get(group=group).outcome == "postponed"


def test_a_recorded_decision_is_corrected_while_before_the_crsa(client, world):
    synthesis = submitted(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    _post(client, synthesis, group, "adopted", (20, 3, 1))
    before = Synthesis.objects.get(pk=synthesis.pk).revision
    page = client.get(reverse("synthesis_backoffice:validation", args=[synthesis.pk]))
    assert "Corriger cette décision" in page.content.decode()
    # Recording again without saying it is a correction is still refused.
    response = _post(client, synthesis, group, "rejected", (3, 20, 1))
    assert "déjà enregistrée" in response.content.decode()
    response = _post(client, synthesis, group, "rejected", (3, 20, 1), correct="1",
                     note="Inversion des décomptes à la saisie")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#proposition-{group.pk}")
    decision = Decision.objects.get(group=group)
    assert (decision.outcome, decision.votes_for, decision.votes_against) == ("rejected", 3, 20)
    assert decision.note == "Inversion des décomptes à la saisie"
    synthesis.refresh_from_db()
    assert synthesis.revision == before + 1
    revision = synthesis.revisions.order_by("-number").first()
    assert revision.summary.startswith(f"Décision de la CRSA corrigée sur « {group.title} »")
    assert "adoptée (20 pour, 3 contre, 1 abstention) → rejetée (3 pour, 20 contre" in (
        revision.summary)
    snapshot = next(g for g in revision.snapshot["groups"] if g["id"] == group.pk)
    assert snapshot["decision"]["outcome"] == "rejected"


def test_a_correction_is_checked_like_a_decision(world):
    synthesis = submitted(world)
    group = synthesis.groups.first()
    scope = scope_for(world.ars)
    with pytest.raises(revisions.SynthesisError, match="aucune décision"):
        services.correct_decision(scope=scope, user=world.ars, synthesis=synthesis, group=group,
                                  outcome="adopted", votes_for=3, votes_against=1,
                                  abstentions=0)
    services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=group,
                             outcome="adopted", votes_for=3, votes_against=1, abstentions=0)
    with pytest.raises(revisions.SynthesisError, match="plus de voix contre"):
        services.correct_decision(scope=scope, user=world.ars, synthesis=synthesis, group=group,
                                  outcome="adopted", votes_for=1, votes_against=3,
                                  abstentions=0)


def test_no_correction_once_the_validation_is_closed(client, world):
    synthesis = validated(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    page = client.get(reverse("synthesis_backoffice:validation", args=[synthesis.pk]))
    assert "Corriger cette décision" not in page.content.decode()
    response = _post(client, synthesis, group, "rejected", (3, 20, 1), correct="1")
    assert response.status_code == 400
    assert "soumise à la CRSA" in response.content.decode()
    assert Decision.objects.get(group=group).outcome == "adopted"


def test_only_the_scope_corrects(client, world):
    synthesis = submitted(world)
    group = synthesis.groups.first()
    services.record_decision(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis,
                             group=group, outcome="adopted", votes_for=3, votes_against=1,
                             abstentions=0)
    client.force_login(world.ars_elsewhere)
    response = _post(client, synthesis, group, "rejected", (1, 3, 0), correct="1")
    assert response.status_code in (403, 404)
    assert Decision.objects.get(group=group).outcome == "adopted"


def test_an_error_is_shown_once_next_to_its_form(client, world):
    synthesis = submitted(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    page = _post(client, synthesis, group, "adopted", (3, 12, 0)).content.decode()
    assert page.count("plus de voix contre (12)") == 1
