"""The one write path for a synthesis as a whole: creation, details, the lifecycle, CRSA
decisions, publication and new editions. Group editing is in `editing`, the duplicate
detection in `duplicates`, the write frame (lock, revision check, recorded revision) in
`revisions`, permissions and the contributions a synthesis works from in `selection`."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from concertation.accounts.scope import Scope
from concertation.analysis_runs.models import AnalysisRun
from concertation.contributions.models import Contribution, ContributionState
from concertation.core import audit
from concertation.core.public_cache import bump_public_content
from concertation.events.models import Event
from concertation.synthesis import signals
from concertation.synthesis.editing import add_suggestions
from concertation.synthesis.models import (
    Decision,
    Synthesis,
    SynthesisGroup,
    SynthesisItem,
    SynthesisState,
    SynthesisTransition,
)
from concertation.synthesis.revisions import (
    CONFLICT_MESSAGE,
    Conflict,
    SynthesisError,
    begin,
    commit,
    group_of,
)
from concertation.synthesis.selection import check_scope
from concertation.synthesis.workflow import LIFECYCLE

Level = Synthesis.Level


# --- Creation ----------------------------------------------------------------------------------

def unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "synthese"
    slug, n = base, 2
    while Synthesis.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def save_with_unique_slug(synthesis: Synthesis, title: str, attempts: int = 5) -> None:
    """Save a new synthesis under a free slug made from `title`. Two syntheses of the same
    title created at the same instant both find the slug free: the second one's insert then
    fails on the unique slug, and it takes the next one instead of failing."""
    for _ in range(attempts):
        synthesis.slug = unique_slug(title)
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction goes on
                synthesis.save(force_insert=True)
        except IntegrityError:
            if not Synthesis.objects.filter(slug=synthesis.slug).exists():
                raise  # another constraint (the same form posted twice): the caller's to say
            continue
        return
    raise SynthesisError("Trop de synthèses portent ce titre en ce moment : réessayez.")


def _check_creation(scope: Scope, synthesis: Synthesis) -> None:
    level = synthesis.level
    if level == Level.EVENT:
        if synthesis.event is None:
            raise SynthesisError("Choisissez la journée de la synthèse.")
        if not scope.can_manage_event(synthesis.event):
            raise PermissionDenied("Cette journée n’est pas dans votre périmètre.")
    elif level == Level.TERRITORY:
        territory = synthesis.health_territory
        if territory is None:
            raise SynthesisError("Choisissez le territoire de santé de la synthèse.")
        if not (scope.everything or territory.pk in scope.territory_ids
                or territory.region_id in scope.region_ids):
            raise PermissionDenied("Ce territoire n’est pas dans votre périmètre.")
    elif level == Level.THEME and synthesis.theme is None:
        raise SynthesisError("Choisissez le thème de la synthèse.")
    if level in (Level.REGION, Level.NATIONAL) and synthesis.region is None \
            and not scope.everything:
        raise SynthesisError("Choisissez la région de la synthèse.")
    # A day's or a territory's synthesis takes its region from them (checked above); a
    # regional, national or regional theme synthesis is the ARS's.
    if synthesis.health_territory is None and synthesis.region_id is not None and not (
            scope.everything or synthesis.region_id in scope.region_ids):
        raise PermissionDenied("Seule l’ARS de la région peut faire cette synthèse.")
    if level == Level.THEME and synthesis.region is None and synthesis.health_territory is None \
            and not scope.everything:
        raise SynthesisError("Choisissez la région ou le territoire de la synthèse thématique.")
    if synthesis.theme is not None and synthesis.theme.campaign_id != synthesis.campaign_id:
        raise SynthesisError("Ce thème n’appartient pas à cette concertation.")
    if synthesis.event is not None and synthesis.event.campaign_id != synthesis.campaign_id:
        raise SynthesisError("Cette journée n’appartient pas à cette concertation.")


@transaction.atomic
def create_synthesis(*, scope: Scope, user: User, campaign, level: str, title: str, event=None,
                     health_territory=None, region=None, theme=None, days: Sequence[Event] = (),
                     includes_online: bool = False, validation_event: Event | None = None,
                     source_run: AnalysisRun | None = None,
                     introduction: str = "", request_key: str = "") -> Synthesis:
    """A new synthesis, empty or with an analysis run's groups as suggestions to accept."""
    if level not in Level.values:
        raise SynthesisError("Échelle de synthèse inconnue.")
    # The scope fields that permissions read: a day's synthesis belongs to its territory and
    # region, a territory's to its region.
    if event is not None:
        health_territory = health_territory or event.health_territory
        region = region or event.department.region
    if health_territory is not None:
        region = region or health_territory.region
    synthesis = Synthesis(
        campaign=campaign, level=level, event=event, health_territory=health_territory,
        region=region, theme=theme, title=(title or "").strip()[:200],
        includes_online=includes_online, validation_event=validation_event,
        source_run=source_run, introduction=introduction.strip(), created_by=user,
        request_key=request_key,
    )
    if not synthesis.title:
        raise SynthesisError("Donnez un titre à la synthèse.")
    _check_creation(scope, synthesis)
    for day in days:
        if day.campaign_id != campaign.pk or not scope.can_manage_event(day):
            raise SynthesisError(f"La journée « {day.title} » ne peut pas être consolidée ici.")
        if region is not None and day.department.region_id != region.pk:
            raise SynthesisError(f"La journée « {day.title} » n’est pas dans la région.")
    if validation_event is not None and (
            validation_event.kind != Event.Kind.REGIONAL_RESTITUTION
            or not scope.can_manage_event(validation_event)):
        raise SynthesisError("La séance de validation doit être une restitution régionale avec "
                             "la CRSA de votre périmètre.")
    if source_run is not None and (
            source_run.campaign_id != campaign.pk or source_run.status != AnalysisRun.Status.DONE
            or not AnalysisRun.objects.within(scope).filter(pk=source_run.pk).exists()):
        raise SynthesisError("Cette analyse n’est pas terminée ou porte sur une autre "
                             "concertation.")
    save_with_unique_slug(synthesis, f"{synthesis.title} v1")
    synthesis.days.set(days)
    summary = "Synthèse créée"
    if source_run is not None:
        groups = [g for g in (source_run.result or {}).get("groups", []) if not g["other"]]
        added = add_suggestions(synthesis, [
            (g["label"][:200] or f"Groupe {g['id']}", g["members"]) for g in groups])
        summary += f" à partir de l’analyse n° {source_run.pk} ({added} groupes suggérés)"
    SynthesisTransition.objects.create(synthesis=synthesis, from_state=SynthesisState.DRAFT,
                                       to_state=SynthesisState.DRAFT, user=user, reason=summary)
    return commit(synthesis, user, summary)



@transaction.atomic
def update_details(*, scope: Scope, user: User, synthesis: Synthesis, title: str, introduction: str,
                   validation_event: Event | None, expected_revision: int | None = None
                   ) -> Synthesis:
    locked = begin(scope, synthesis, expected_revision)
    title = (title or "").strip()
    if not title:
        raise SynthesisError("Donnez un titre à la synthèse.")
    if validation_event is not None and (
            validation_event.kind != Event.Kind.REGIONAL_RESTITUTION
            or not scope.can_manage_event(validation_event)):
        raise SynthesisError("La séance de validation doit être une restitution régionale avec "
                             "la CRSA de votre périmètre.")
    locked.title, locked.introduction = title[:200], introduction.strip()
    locked.validation_event = validation_event
    return commit(locked, user, "Titre, contexte et séance de validation modifiés")



# --- Lifecycle ---------------------------------------------------------------------------------

def _ready_for_validation(locked: Synthesis) -> None:
    groups = list(locked.groups.all())
    pending = [g for g in groups if not g.accepted]
    if pending:
        raise SynthesisError(f"Retenez ou écartez d’abord les {len(pending)} suggestion"
                             f"{'s' if len(pending) > 1 else ''} restante"
                             f"{'s' if len(pending) > 1 else ''}.")
    if not groups:
        raise SynthesisError("La synthèse ne contient encore aucune proposition retenue.")
    untitled = [g.title for g in groups if not g.text.strip()]
    if untitled:
        raise SynthesisError("Rédigez le texte de chaque proposition avant de la soumettre ; "
                             f"il manque : « {untitled[0]} »"
                             + (f" et {len(untitled) - 1} autre"
                                f"{'s' if len(untitled) > 2 else ''}" if len(untitled) > 1
                                else "") + ".")


@transaction.atomic
def transition(*, scope: Scope, user: User, synthesis: Synthesis, target: str, reason: str = "",
               expected_revision: int | None = None) -> Synthesis:
    # Closing the validation is the CRSA's step (its secretariat, or the region's organisers,
    # who record decisions too); every other one is the region's.
    area = "decide" if target == SynthesisState.VALIDATED else "manage"
    locked = begin(scope, synthesis, expected_revision, edit=False, area=area)
    if target not in SynthesisState.values:
        raise SynthesisError("État inconnu.")
    step = LIFECYCLE.check(locked.state, target, reason, error=SynthesisError)
    decided = Decision.objects.filter(group__synthesis=locked)
    if target == SynthesisState.IN_VALIDATION:
        _ready_for_validation(locked)
    elif target == SynthesisState.DRAFT and decided.exists():
        raise SynthesisError("La CRSA a déjà enregistré des décisions : la synthèse ne peut "
                             "plus revenir à la rédaction.")
    elif target == SynthesisState.VALIDATED:
        missing = locked.groups.filter(accepted=True, decision__isnull=True).count()
        if missing:
            raise SynthesisError(f"Il reste {missing} proposition{'s' if missing > 1 else ''} "
                                 "sans décision de la CRSA.")
        _carry_to_contributions(locked, user, ContributionState.VALIDATED)
    elif target == SynthesisState.TRANSMITTED:
        locked.transmitted_at, locked.transmitted_by = timezone.now(), user
        _carry_to_contributions(locked, user, ContributionState.TRANSMITTED)
        # The national inbox (an app above this one) writes its row in this transaction,
        # under this lock.
        signals.transmitted.send(sender=Synthesis, synthesis=locked, user=user)
    # The revision's commit saves the row and bumps the public content version if it shows.
    LIFECYCLE.apply(locked, target, user=user, reason=reason, error=SynthesisError, save=False,
                    bump=False)
    return commit(locked, user, f"{step.action}" + (f" : {reason.strip()}"
                                                   if reason.strip() else ""))


def _carry_to_contributions(locked: Synthesis, user: User, target: str) -> int:
    """The contributions cited by the proposals the CRSA adopted (as is or amended) become
    validated, then transmitted, through the contributions' own lifecycle, so that their
    authors see where they went. Those already there (cited by another synthesis) or that
    the contributions' workflow does not allow to move are left as they are."""
    from concertation.contributions import services as contributions
    from concertation.contributions.workflow import LIFECYCLE as CONTRIBUTION_LIFECYCLE

    adopted = (Decision.Outcome.ADOPTED, Decision.Outcome.AMENDED)
    cited = Contribution.objects.filter(
        pk__in=locked.items.filter(group__decision__outcome__in=adopted)
        .values("contribution_id")).order_by("pk")
    moved = 0
    reason = f"{ContributionState(target).label} avec la synthèse « {locked.title} » " \
             f"(version {locked.edition})"
    for contribution in cited:
        if not CONTRIBUTION_LIFECYCLE.is_allowed(contribution.state, target):
            continue
        contributions.transition(contribution=contribution, target=target, user=user,
                                 reason=reason)
        moved += 1
    return moved


@transaction.atomic
def record_decision(*, scope: Scope, user: User, synthesis: Synthesis, group, outcome: str,
                    votes_for: int | None, votes_against: int | None,
                    abstentions: int | None, amended_text: str = "", note: str = "") -> Decision:
    """The CRSA's decision on one proposal, recorded once, with its vote count."""
    # No revision check: decisions on different proposals do not conflict (the texts voted on
    # cannot change while the synthesis is submitted), and recording one twice is refused below.
    locked = begin(scope, synthesis, expected_revision=None, edit=False, area="decide")
    group = group_of(locked, group)
    if locked.state != SynthesisState.IN_VALIDATION:
        raise SynthesisError("Les décisions s’enregistrent quand la synthèse est soumise à la "
                             "CRSA.")
    if Decision.objects.filter(group=group).exists():
        raise SynthesisError(f"Une décision est déjà enregistrée pour « {group.title} » : elle "
                             "ne peut pas être enregistrée deux fois.")
    if not group.accepted:
        raise SynthesisError("Cette suggestion n’a pas été retenue : elle n’est pas soumise "
                             "au vote.")
    amended_text = _checked_decision(group, outcome, votes_for, votes_against, abstentions,
                                     amended_text)
    decision = Decision.objects.create(
        group=group, outcome=outcome, votes_for=votes_for, votes_against=votes_against,
        abstentions=abstentions, original_text=group.text, amended_text=amended_text,
        note=(note or "").strip(), decided_by=user)
    summary = f"Décision de la CRSA sur « {group.title} » : {_decision_words(decision)}"
    _audit_decision("synthesis.decision", locked, user, summary, decision)
    commit(locked, user, summary)
    return decision


def _audit_decision(action: str, locked: Synthesis, user: User, summary: str,
                    decision: Decision, **before: object) -> None:
    audit.record(action, locked, user=user, summary=summary, details={
        "group": decision.group_id, "outcome": decision.outcome,
        "votes_for": decision.votes_for, "votes_against": decision.votes_against,
        "abstentions": decision.abstentions, **before})


def _checked_decision(group: SynthesisGroup, outcome: str, votes_for: int | None,
                      votes_against: int | None, abstentions: int | None,
                      amended_text: str) -> str:
    """Refuses a decision that is incomplete or that its own vote count contradicts; returns
    the amended text to keep (none unless the outcome is an amendment)."""
    if outcome not in Decision.Outcome.values:
        raise SynthesisError("Choisissez la décision : adoptée, adoptée avec amendement, "
                             "rejetée ou ajournée.")
    if votes_for is None or votes_against is None or abstentions is None:
        raise SynthesisError("Indiquez le décompte des voix : pour, contre et abstentions "
                             "(0 si aucune).")
    if min(votes_for, votes_against, abstentions) < 0:
        raise SynthesisError("Un nombre de voix ne peut pas être négatif.")
    # An adoption needs a majority of the votes cast (abstentions are not cast); a rejection
    # cannot have one. A postponement is decided apart from the count on the text.
    label = Decision.Outcome(outcome).label.lower()
    if outcome in (Decision.Outcome.ADOPTED, Decision.Outcome.AMENDED) and (
            votes_for <= votes_against):
        how = "plus" if votes_against > votes_for else "autant"
        raise SynthesisError(
            f"Une proposition « {label} » ne peut pas avoir {how} de voix contre "
            f"({votes_against}) que de voix pour ({votes_for}) : vérifiez la décision ou le "
            "décompte.")
    if outcome == Decision.Outcome.REJECTED and votes_for > votes_against:
        raise SynthesisError(
            f"Une proposition « {label} » ne peut pas avoir plus de voix pour ({votes_for}) que "
            f"de voix contre ({votes_against}) : vérifiez la décision ou le décompte.")
    amended_text = (amended_text or "").strip()
    if outcome != Decision.Outcome.AMENDED:
        return ""
    if not amended_text:
        raise SynthesisError("Une proposition adoptée avec amendement a besoin du texte "
                             "amendé.")
    if amended_text == group.text.strip():
        raise SynthesisError("Le texte amendé est identique au texte soumis.")
    return amended_text


def _decision_words(decision: Decision) -> str:
    n = decision.abstentions
    return (f"{decision.get_outcome_display().lower()} ({decision.votes_for} pour, "
            f"{decision.votes_against} contre, {n} abstention{'s' if n > 1 else ''})")


@transaction.atomic
def correct_decision(*, scope: Scope, user: User, synthesis: Synthesis, group, outcome: str,
                     votes_for: int | None, votes_against: int | None,
                     abstentions: int | None, amended_text: str = "",
                     note: str = "") -> Decision:
    """Corrects a decision recorded by mistake, while the synthesis is still before the CRSA:
    once the validation is closed the decisions are final. The revision keeps what it was."""
    locked = begin(scope, synthesis, expected_revision=None, edit=False, area="decide")
    group = group_of(locked, group)
    if locked.state != SynthesisState.IN_VALIDATION:
        raise SynthesisError("Une décision se corrige tant que la synthèse est soumise à la "
                             "CRSA ; la validation est close.")
    decision = Decision.objects.select_for_update().filter(group=group).first()
    if decision is None:
        raise SynthesisError(f"Il n’y a aucune décision à corriger pour « {group.title} ».")
    before, before_outcome = _decision_words(decision), decision.outcome
    decision.amended_text = _checked_decision(group, outcome, votes_for, votes_against,
                                              abstentions, amended_text)
    decision.outcome, decision.votes_for = outcome, votes_for
    decision.votes_against, decision.abstentions = votes_against, abstentions
    decision.note, decision.decided_by = (note or "").strip(), user
    decision.decided_at = timezone.now()
    decision.save()
    summary = (f"Décision de la CRSA corrigée sur « {group.title} » : "
               f"{before} → {_decision_words(decision)}")
    _audit_decision("synthesis.decision.corrected", locked, user, summary, decision,
                    previous_outcome=before_outcome)
    commit(locked, user, summary)
    return decision


@transaction.atomic
def set_public(*, scope: Scope, user: User, synthesis: Synthesis, public: bool,
               expected_revision: int | None = None) -> Synthesis:
    """Show (or hide) a validated synthesis on the public site."""
    locked = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    check_scope(scope, locked)
    if expected_revision is not None and expected_revision != locked.revision:
        raise Conflict(CONFLICT_MESSAGE)
    if public and locked.state not in (SynthesisState.VALIDATED, SynthesisState.TRANSMITTED):
        raise SynthesisError("Seule une synthèse validée peut être publiée.")
    if locked.is_public == public:
        raise SynthesisError("La synthèse est déjà publiée." if public
                             else "La synthèse n’est pas publiée.")
    locked.is_public = public
    bump_public_content()  # also when hiding: the public page must disappear
    return commit(locked, user, "Publiée sur le site" if public else "Retirée du site public")


@transaction.atomic
def new_edition(*, scope: Scope, user: User, synthesis: Synthesis) -> Synthesis:
    """Start the next version of a transmitted synthesis, as a draft: its groups, their
    contributions and their final texts (amended where the CRSA amended them). Decisions
    belong to the transmitted version and stay there."""
    locked = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    check_scope(scope, locked)
    if not locked.frozen:
        raise SynthesisError("Seule une version transmise ouvre une nouvelle version ; "
                             "celle-ci peut encore être modifiée.")
    if Synthesis.objects.filter(previous=locked).exists():
        raise SynthesisError("Une nouvelle version existe déjà : continuez-la.")
    edition = locked.edition + 1
    copy = Synthesis(
        campaign_id=locked.campaign_id, level=locked.level, event_id=locked.event_id,
        health_territory_id=locked.health_territory_id, region_id=locked.region_id,
        theme_id=locked.theme_id, title=locked.title, introduction=locked.introduction,
        includes_online=locked.includes_online, source_run_id=locked.source_run_id,
        validation_event_id=locked.validation_event_id, edition=edition, previous=locked,
        created_by=user,
    )
    save_with_unique_slug(copy, f"{locked.title} v{edition}")
    copy.days.set(locked.days.all())
    decisions = {d.group_id: d for d in Decision.objects.filter(group__synthesis=locked)}
    items = []
    for group in locked.groups.order_by("position", "id"):
        decision = decisions.get(group.pk)
        new = SynthesisGroup.objects.create(
            synthesis=copy, position=group.position, title=group.title, kind=group.kind,
            text=decision.final_text if decision else group.text, theme_id=group.theme_id,
            accepted=group.accepted)
        items.extend(SynthesisItem(synthesis=copy, group=new, contribution_id=pk)
                     for pk in group.items.values_list("contribution_id", flat=True))
    SynthesisItem.objects.bulk_create(items)
    SynthesisTransition.objects.create(synthesis=copy, from_state=SynthesisState.DRAFT,
                                       to_state=SynthesisState.DRAFT, user=user,
                                       reason=f"Nouvelle version après la version {locked.edition}")
    return commit(copy, user, f"Version {edition} ouverte à partir de la version "
                              f"{locked.edition} transmise (textes définitifs repris)")
