"""One world of public and unpublished objects of every kind the API lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from tests.factories import (
    ContributionFactory,
    EventFactory,
    MilestoneFactory,
    ProjectFactory,
    SynthesisFactory,
    SynthesisGroupFactory,
    UserFactory,
    WorkshopFactory,
    cite,
    decide,
)


@dataclass
class World:
    days: dict
    contributions: dict
    syntheses: dict
    projects: dict


def build() -> World:
    published = EventFactory(title="Journée publiée")
    past = EventFactory(past=True, state="restitution_published", title="Journée restituée")
    workshop = WorkshopFactory(event=past, title="Atelier accès aux soins")
    draft = EventFactory(draft=True, title="Journée en brouillon")
    hidden = EventFactory(is_public=False, title="Journée non publique")
    cancelled = EventFactory(state="cancelled", title="Journée annulée")

    visible = [ContributionFactory(event=past, workshop=workshop, state=state,
                                   text=f"Proposition {state} {i}")
               for i, state in enumerate(["published", "retained", "validated",
                                          "transmitted", "published"])]
    # Support that differs, so that the sorts differ (counts as kept on the row).
    for contribution, agree in zip(visible, [3, 9, 1, 9, 0], strict=True):
        type(contribution).objects.filter(pk=contribution.pk).update(agree_count=agree)
    merged_target = visible[0]
    # Merged: not in the lists, but its page (and the API's detail) says where it went.
    merged = ContributionFactory(event=past, workshop=workshop, state="merged",
                                 merged_into=merged_target, text="Fusionnée")
    author = UserFactory(email="auteure.secrete@example.org", first_name="Bérénice",
                         last_name="Introuvable")
    pending = ContributionFactory(event=None, origin="online", state="submitted",
                                  text="En attente de modération", author=author)
    online = ContributionFactory(event=None, origin="online", state="published",
                                 author=author, text="Publiée en ligne par une personne")
    refused = ContributionFactory(event=past, state="rejected", text="Refusée")
    withdrawn = ContributionFactory(event=past, state="withdrawn", text="Supprimée")

    shown = SynthesisFactory(state="validated", is_public=True, title="Synthèse publiée")
    group = SynthesisGroupFactory(synthesis=shown, title="Un médecin traitant pour chacun")
    cite(group, visible[1], visible[2])
    decide(group, "amended", amended_text="Un médecin traitant pour chacun, partout.")
    refused_group = SynthesisGroupFactory(synthesis=shown, title="Rejetée")
    decide(refused_group, "rejected")
    private = SynthesisFactory(state="validated", is_public=False, title="Synthèse privée")
    draft_synthesis = SynthesisFactory(state="draft", is_public=True, title="Brouillon")

    labelled = ProjectFactory(labelled=True, title="Projet labellisé")
    MilestoneFactory(project=labelled, status="done", actual_date=timezone.localdate(),
                     weight=2)
    MilestoneFactory(project=labelled)
    delivered = ProjectFactory(delivered=True, title="Projet livré")
    proposed = ProjectFactory(title="Projet proposé")

    return World(
        days={"public": [published, past, cancelled], "hidden": [draft, hidden]},
        contributions={"listed": [*visible, online], "merged": [merged],
                       "hidden": [pending, refused, withdrawn]},
        syntheses={"public": [shown], "hidden": [private, draft_synthesis]},
        projects={"public": [labelled, delivered], "hidden": [proposed]},
    )
