"""Organiser pages of a synthesis's lifecycle: its steps (submitted to the CRSA, validated,
transmitted), publication and new editions, the consolidated list, the CRSA's validation page
with its decisions, and the history. Views parse and render; `services` writes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required, role_required
from concertation.contributions.models import Contribution
from concertation.core import confirm
from concertation.synthesis import (
    consolidation,
    diff,
    revisions,
    selection,
    services,
)
from concertation.synthesis.forms import (
    DecisionForm,
    DiffForm,
    SelectionForm,
)
from concertation.synthesis.models import (
    Synthesis,
    SynthesisRevision,
    SynthesisState,
)
from concertation.synthesis.views_common import (
    base_context,
    error_text,
    recorded_decision,
    synthesis_for_user,
    write,
)
from concertation.synthesis.workflow import LIFECYCLE

# --- Lifecycle ---------------------------------------------------------------------------------

@require_POST
@organiser_required
def change_state(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk)
    form = SelectionForm(request.POST)
    expected = form.cleaned_data["revision"] if form.is_valid() else None
    target = request.POST.get("target", "")
    step = LIFECYCLE.find(synthesis.state, target)
    if step is not None and step.consequences and not confirm.confirmed(request):
        return confirm.ask(request, title=step.confirm_title, consequences=step.consequences,
                           confirm_label=step.confirm_label,
                           back=("synthesis_backoffice:workspace", synthesis.pk))
    labels = {SynthesisState.IN_VALIDATION: "La synthèse est soumise à la CRSA.",
              SynthesisState.DRAFT: "La synthèse est revenue à la rédaction.",
              SynthesisState.VALIDATED: "La validation est close.",
              SynthesisState.TRANSMITTED: "La synthèse est marquée comme transmise au "
                                          "ministère : cette version est figée."}
    done = write(request, synthesis, lambda: services.transition(
        scope=request.scope, user=request.user, synthesis=synthesis, target=target,
        reason=request.POST.get("reason", ""), expected_revision=expected),
        labels.get(target, ""))
    if done and target == SynthesisState.IN_VALIDATION:
        return redirect("synthesis_backoffice:validation", pk=synthesis.pk)
    return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)


@require_POST
@role_required("decide")
def close_validation(request: ScopedRequest, pk: int) -> HttpResponse:
    """« Clore la validation », for the CRSA's secretariat as for the region's organisers: the
    one step of the lifecycle that the conference takes, once each proposal has its decision."""
    synthesis = synthesis_for_user(request, pk, area="decide")
    form = SelectionForm(request.POST)
    expected = form.cleaned_data["revision"] if form.is_valid() else None
    step = LIFECYCLE.find(synthesis.state, SynthesisState.VALIDATED)
    here = ("synthesis_backoffice:validation", synthesis.pk)
    if step is not None and not confirm.confirmed(request):
        return confirm.ask(request, title=step.confirm_title, consequences=step.consequences,
                           confirm_label=step.confirm_label, back=here)
    write(request, synthesis, lambda: services.transition(
        scope=request.scope, user=request.user, synthesis=synthesis,
        target=SynthesisState.VALIDATED, expected_revision=expected),
        "La validation est close.")
    # The region goes on to the transmission from its workspace; the CRSA stays on its page.
    if selection.can_manage(request.scope, synthesis):
        return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)
    return redirect(*here)


@require_POST
@organiser_required
def publication(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk)
    public = request.POST.get("public") == "1"
    write(request, synthesis, lambda: services.set_public(
        scope=request.scope, user=request.user, synthesis=synthesis, public=public),
        "La synthèse est publiée sur le site." if public else "La synthèse est retirée du site.")
    return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)


@require_POST
@organiser_required
def new_edition(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk)
    try:
        copy = services.new_edition(scope=request.scope, user=request.user, synthesis=synthesis)
    except (revisions.SynthesisError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return redirect("synthesis_backoffice:workspace", pk=synthesis.pk)
    messages.success(request, f"La version {copy.edition} est ouverte en rédaction, avec les "
                              "textes définitifs de la version transmise.")
    return redirect("synthesis_backoffice:workspace", pk=copy.pk)


# --- Consolidated list, CRSA validation, history -----------------------------------------------

@organiser_required
def consolidated(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk)
    rows = consolidation.consolidated_list(synthesis)
    for row in rows:
        row.recorded = recorded_decision(row.group)
    context = base_context(synthesis)
    context["rows"] = rows
    return render(request, "synthesis/backoffice/consolidated.html", context)


def _validation_context(request: ScopedRequest, synthesis: Synthesis,
                        bound: dict[int, DecisionForm]) -> dict:
    rows = consolidation.consolidated_list(synthesis)
    for row in rows:
        row.recorded = recorded_decision(row.group)
        # A recorded decision's form is its correction, filled with what was recorded.
        initial = ({name: getattr(row.recorded, name) for name in DecisionForm.base_fields}
                   if row.recorded else None)
        row.form = bound.get(row.group.pk) or DecisionForm(prefix=f"g{row.group.pk}",
                                                           initial=initial)
        row.amendment = (diff.text_diff(row.recorded.original_text, row.recorded.amended_text)
                         if row.recorded and row.recorded.amended_text else None)
    decided = sum(1 for row in rows if row.recorded)
    manages = selection.can_manage(request.scope, synthesis)
    context = base_context(synthesis, manages=manages)
    # The CRSA's secretariat closes the validation it recorded; the rest is the region's.
    transitions = [t for t in LIFECYCLE.allowed_targets(synthesis.state)
                   if manages or t.target == SynthesisState.VALIDATED]
    context.update(rows=rows, decided=decided, remaining=len(rows) - decided,
                   transitions=transitions)
    return context


@role_required("decide")
def validation(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk, area="decide")
    return render(request, "synthesis/backoffice/validation.html",
                  _validation_context(request, synthesis, {}))


@require_POST
@role_required("decide")
def decide(request: ScopedRequest, pk: int, group_pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk, area="decide")
    group = get_object_or_404(synthesis.groups, pk=group_pk)
    form = DecisionForm(request.POST, prefix=f"g{group.pk}")
    correction = request.POST.get(f"g{group.pk}-correct") == "1"
    if form.is_valid():
        data = form.cleaned_data
        write = services.correct_decision if correction else services.record_decision
        try:
            write(
                scope=request.scope, user=request.user, synthesis=synthesis, group=group,
                outcome=data["outcome"], votes_for=data["votes_for"],
                votes_against=data["votes_against"], abstentions=data["abstentions"],
                amended_text=data["amended_text"], note=data["note"])
        except (revisions.SynthesisError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, f"Décision {'corrigée' if correction else 'enregistrée'}"
                                      f" pour « {group.title} ».")
            return redirect(reverse("synthesis_backoffice:validation", args=[synthesis.pk])
                            + f"#proposition-{group.pk}")
    return render(request, "synthesis/backoffice/validation.html",
                  _validation_context(request, synthesis, {group.pk: form}), status=400)


@organiser_required
def history(request: ScopedRequest, pk: int) -> HttpResponse:
    synthesis = synthesis_for_user(request, pk)
    revisions = list(synthesis.revisions.select_related("user").defer("snapshot")
                     .order_by("-number"))
    form = DiffForm(request.GET or None)
    comparison = None
    contributions: dict[int, Contribution] = {}
    if form.is_valid():
        wanted = {form.cleaned_data["de"], form.cleaned_data["a"]}
        found = {r.number: r for r in SynthesisRevision.objects.filter(synthesis=synthesis,
                                                                       number__in=wanted)}
        if len(found) != len(wanted):
            form.add_error(None, "Cette révision n’existe pas pour cette synthèse.")
        else:
            old, new = found[form.cleaned_data["de"]], found[form.cleaned_data["a"]]
            comparison = diff.snapshot_diff(old.snapshot, new.snapshot)
            contributions = Contribution.objects.in_bulk(
                [m.contribution_id for m in comparison.moved[:200]])
    elif not request.GET and len(revisions) > 1:
        form = DiffForm(initial={"de": revisions[1].number, "a": revisions[0].number})
    context = base_context(synthesis)
    context.update(revisions=revisions, form=form, comparison=comparison,
                   texts={pk: c.text for pk, c in contributions.items()})
    return render(request, "synthesis/backoffice/history.html", context)
