"""Analyses of contributions, run in the background: selection, progress, cancellation, and
the stored result (groups of similar contributions, near-duplicates, opinion groups)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.tasks import task

from concertation.accounts.scope import Scope
from concertation.analysis_runs.models import AnalysisRun
from concertation.contributions.models import VISIBLE_STATES, Contribution, Vote
from concertation.core import jobs

# 2: the opinions also rank proposals by bridging score and mark those all colleges support.
ENGINE_VERSION = "concertation.analysis 2"
BRIDGING_SHOWN = 5


class AnalysisError(Exception):
    pass


def selection(run: AnalysisRun):
    contributions = Contribution.objects.filter(campaign=run.campaign, state__in=VISIBLE_STATES)
    if run.event_id:
        contributions = contributions.filter(event_id=run.event_id)
    if run.health_territory_id:
        contributions = contributions.filter(health_territory_id=run.health_territory_id)
    if run.region_id:
        contributions = contributions.filter(
            Q(department__region_id=run.region_id) | Q(event__department__region_id=run.region_id)
        )
    if run.theme_id:
        contributions = contributions.filter(theme_id=run.theme_id)
    return contributions


def check_placement(scope: Scope, *, event=None, region=None, health_territory=None) -> None:
    """A run is placed by its selection, and reads only what its launcher may read: an ARS
    within its region, a CTS within its territory (a day of it, or the territory itself)."""
    place = scope.manage
    if place.everywhere:
        return
    if event is not None and not scope.can_manage_event(event):
        raise PermissionDenied("Cette journée n’est pas dans votre périmètre.")
    if health_territory is not None and not place.covers(health_territory.region_id,
                                                         health_territory.pk):
        raise PermissionDenied("Ce territoire n’est pas dans votre périmètre.")
    if region is not None and region.pk not in place.region_ids:
        raise PermissionDenied("Cette région n’est pas dans votre périmètre : choisissez votre "
                               "territoire ou l’une de vos journées.")
    if event is None and health_territory is None and region is None:
        raise PermissionDenied("Choisissez une région, un territoire ou une journée de votre "
                               "périmètre : une analyse de toutes les régions est réservée à "
                               "l’administration nationale.")


def start(*, scope: Scope, user: User, campaign, event=None, region=None, health_territory=None,
          theme=None, groups: int | None = None, seed: int = 0) -> AnalysisRun:
    check_placement(scope, event=event, region=region, health_territory=health_territory)
    run = AnalysisRun(campaign=campaign, event=event, region=region,
                      health_territory=health_territory, theme=theme, requested_by=user,
                      parameters={"groups": groups, "seed": seed},
                      engine_version=ENGINE_VERSION)
    ids = list(selection(run).order_by("pk").values_list("pk", flat=True))
    if len(ids) < 2:
        raise AnalysisError("La sélection compte moins de deux contributions publiées : "
                            "rien à analyser.")
    run.input_ids = ids
    with transaction.atomic():
        run.save()
        transaction.on_commit(lambda: run_analysis.enqueue(run.pk))
    return run


def cancel(*, scope: Scope, run: AnalysisRun) -> bool:
    """Ask a queued or running analysis to stop; it stops at its next step."""
    return jobs.cancel(AnalysisRun.objects.within(scope).filter(pk=run.pk))


def _progress(run_id: int, progress: int, step: str) -> None:
    """Record progress; raise JobStopped if someone cancelled the run meanwhile."""
    jobs.report_progress(AnalysisRun.objects.filter(pk=run_id), progress, step)


def execute(run_id: int) -> None:
    rows = AnalysisRun.objects.filter(pk=run_id)
    if not jobs.claim(rows, step="Démarrage"):
        return  # cancelled before it started, or already run
    run = AnalysisRun.objects.get(pk=run_id)
    try:
        result = _compute(run)
    except jobs.JobStopped:
        return
    except Exception as error:  # the run records the failure; the worker goes on
        jobs.fail(rows, jobs.error_message(error))
        return
    jobs.finish(rows, step="Terminée", result=result)


def _bridging(matrix, colleges: dict[str, str], informed: dict[str, float], *,
              seed: int) -> dict:
    """The proposals whose support holds across the opinion divide (bridging score, Community
    Notes-style), with their group-informed consensus, and those every college that voted on
    them agrees with (« soutenue par tous les collèges »; at least two colleges)."""
    from concertation.analysis import college_consensus
    from concertation.analysis.bridging import matrix_bridging

    all_colleges = []
    if len(set(colleges.values())) >= 2:
        all_colleges = [int(c) for c in college_consensus(matrix, colleges).all_colleges]
    supported = set(all_colleges)
    return {
        "bridging": [
            {"comment": int(comment), "score": round(score, 4),
             "group_informed_consensus": round(informed.get(comment, 0.0), 4),
             "all_colleges": int(comment) in supported}
            for comment, score in matrix_bridging(matrix, seed=seed).ranked()[:BRIDGING_SHOWN]
        ],
        "all_colleges": all_colleges,
    }


def _compute(run: AnalysisRun) -> dict:
    from concertation.analysis import build_vote_matrix, cluster_texts, opinion_groups
    from concertation.analysis.vectors import backend_from_environment

    _progress(run.pk, 5, "Lecture des contributions")
    rows = list(Contribution.objects.filter(pk__in=run.input_ids).order_by("pk")
                .values_list("pk", "text"))
    ids = [pk for pk, _ in rows]
    _progress(run.pk, 15, "Regroupement des contributions proches")
    params = run.parameters
    clusters = cluster_texts([text for _, text in rows], n_groups=params.get("groups"),
                             seed=params.get("seed", 0),
                             min_group_size=2 if len(rows) < 200 else None,
                             # Offline TF-IDF + SVD unless the deployment configured an
                             # embeddings API or model (CONCERTATION_EMBEDDINGS_*).
                             backend=backend_from_environment())
    groups = [
        {"id": g.id, "label": g.label, "keywords": g.keywords, "size": g.size, "other": g.other,
         "members": [ids[i] for i in g.members],
         "representatives": [ids[i] for i in g.representatives]}
        for g in clusters.groups
    ]
    duplicates = [{"members": [ids[i] for i in d.members], "similarity": float(d.similarity)}
                  for d in clusters.duplicates]
    _progress(run.pk, 70, "Groupes d’opinion à partir des votes")
    votes = list(Vote.objects.filter(contribution_id__in=ids)
                 .values_list("user_id", "registration_id", "contribution_id", "value", "college"))
    opinions = None
    if votes:
        import numpy as np

        voters = [f"u{u}" if u else f"r{r}" for u, r, *_ in votes]
        matrix = build_vote_matrix(voters, [str(c) for _, _, c, _, _ in votes],
                                   np.array([v for *_, v, _ in votes], dtype=float))
        colleges = {voter: vote[4] for voter, vote in zip(voters, votes, strict=True) if vote[4]}
        try:
            result = opinion_groups(matrix, seed=params.get("seed", 0))
        except Exception as error:  # too few voters for groups: say so, keep the clusters
            opinions = {"error": str(error)}
        else:
            opinions = {
                "participants": [{"id": p.id, "group": p.group, "x": p.x, "y": p.y}
                                 for p in result.participants],
                "groups": [{"id": g.id, "size": g.size, "representatives": [
                    {"comment": int(r.comment), "direction": r.direction,
                     "p_success": r.p_success} for r in g.representatives]}
                    for g in result.groups],
                "consensus": [{"comment": int(c.comment), "direction": c.direction,
                               "p_success": c.p_success} for c in result.consensus],
            }
            opinions.update(_bridging(matrix, colleges, result.group_informed_consensus,
                                      seed=params.get("seed", 0)))
    _progress(run.pk, 95, "Enregistrement")
    return {"groups": groups, "duplicates": duplicates, "opinions": opinions,
            "parameters": clusters.parameters}


@task
def run_analysis(run_id: int) -> None:
    """The background task of an analysis (`manage.py worker`), next to what queues it."""
    execute(run_id)
