"""Group editing: suggestions to accept or dismiss, groups created, renamed, split, merged and
deleted, contributions moved between them. Each write goes through the frame of
`revisions` (lock, revision check, recorded revision)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction

from concertation.accounts.scope import Scope
from concertation.synthesis.models import Synthesis, SynthesisGroup, SynthesisItem
from concertation.synthesis.revisions import SynthesisError, begin, commit, group_of, next_position
from concertation.synthesis.selection import source_contributions


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise SynthesisError("Donnez un intitulé au groupe.")
    if len(title) > 200:
        raise SynthesisError(f"L’intitulé dépasse 200 caractères ({len(title)}).")
    return title


def _ids(contribution_ids: Iterable) -> list[int]:
    ids = sorted({int(pk) for pk in contribution_ids})
    if not ids:
        raise SynthesisError("Cochez au moins une contribution.")
    return ids


# A suggestion: its working title, its contributions, and optionally a first wording of its
# proposal (for near-duplicates, the common wording itself) for the organiser to rewrite.
Suggestion = tuple[str, Sequence[int]] | tuple[str, Sequence[int], str]


def add_suggestions(synthesis: Synthesis, suggestions: Sequence[Suggestion], *,
                    min_size: int = 1) -> int:
    """Groups not yet accepted, each with the contributions still available: in the
    synthesis's selection and in no other group. A suggestion left with fewer than `min_size`
    of them is dropped."""
    available = set(source_contributions(synthesis).values_list("pk", flat=True))
    available -= set(synthesis.items.values_list("contribution_id", flat=True))
    position = next_position(synthesis)
    created = 0
    items = []
    for title, members, *text in suggestions:
        members = [pk for pk in members if pk in available]
        if not members or len(members) < min_size:
            continue
        available.difference_update(members)
        group = SynthesisGroup.objects.create(synthesis=synthesis, title=title,
                                              text=text[0] if text else "",
                                              position=position, accepted=False)
        position += 1
        created += 1
        items.extend(SynthesisItem(synthesis=synthesis, group=group, contribution_id=pk)
                     for pk in members)
    SynthesisItem.objects.bulk_create(items)
    return created


# --- Groups ------------------------------------------------------------------------------------

@transaction.atomic
def accept_group(*, scope: Scope, user, synthesis: Synthesis, group, expected_revision=None
                 ) -> SynthesisGroup:
    locked = begin(scope, synthesis, expected_revision)
    group = group_of(locked, group)
    if group.accepted:
        raise SynthesisError(f"Le groupe « {group.title} » est déjà retenu.")
    group.accepted = True
    group.save(update_fields=["accepted"])
    commit(locked, user, f"Groupe « {group.title} » retenu")
    return group


@transaction.atomic
def accept_all(*, scope: Scope, user, synthesis: Synthesis, expected_revision=None) -> int:
    locked = begin(scope, synthesis, expected_revision)
    count = locked.groups.filter(accepted=False).update(accepted=True)
    if not count:
        raise SynthesisError("Aucune suggestion à retenir.")
    commit(locked, user, f"{count} suggestion{'s' if count > 1 else ''} retenue"
                         f"{'s' if count > 1 else ''}")
    return count


@transaction.atomic
def dismiss_group(*, scope: Scope, user, synthesis: Synthesis, group, expected_revision=None
                  ) -> None:
    """Drop a suggestion: its contributions go back to those not yet grouped."""
    locked = begin(scope, synthesis, expected_revision)
    group = group_of(locked, group)
    if group.accepted:
        raise SynthesisError("Seule une suggestion peut être écartée ; un groupe retenu se vide "
                             "puis se supprime.")
    title = group.title
    group.delete()
    commit(locked, user, f"Suggestion « {title} » écartée")


@transaction.atomic
def update_group(*, scope: Scope, user, synthesis: Synthesis, group, title: str, kind: str,
                 text: str, theme=None, expected_revision=None) -> SynthesisGroup:
    """Rename a group and write its proposal (or work lead)."""
    locked = begin(scope, synthesis, expected_revision)
    group = group_of(locked, group)
    title = _clean_title(title)
    if kind not in SynthesisGroup.Kind.values:
        raise SynthesisError("Nature inconnue : proposition ou piste de travail.")
    if theme is not None and theme.campaign_id != locked.campaign_id:
        raise SynthesisError("Ce thème n’appartient pas à cette concertation.")
    changes = []
    if title != group.title:
        changes.append(f"renommé « {group.title} » → « {title} »")
    if (text or "").strip() != group.text:
        changes.append("texte modifié")
    if kind != group.kind:
        changes.append(f"nature : {SynthesisGroup.Kind(kind).label.lower()}")
    if (theme.pk if theme else None) != group.theme_id:
        changes.append(f"thème : {theme.title if theme else 'aucun'}")
    if not changes:
        raise SynthesisError("Rien n’a changé.")
    group.title, group.kind, group.text, group.theme = title, kind, (text or "").strip(), theme
    group.save(update_fields=["title", "kind", "text", "theme"])
    commit(locked, user, f"Groupe « {title} » : " + ", ".join(changes))
    return group


@transaction.atomic
def create_group(*, scope: Scope, user, synthesis: Synthesis, title: str,
                 contribution_ids: Iterable = (), expected_revision=None) -> SynthesisGroup:
    """A new accepted group, with contributions taken from wherever they are."""
    locked = begin(scope, synthesis, expected_revision)
    group = SynthesisGroup.objects.create(synthesis=locked, title=_clean_title(title),
                                          position=next_position(locked))
    ids = sorted({int(pk) for pk in contribution_ids})
    if ids:
        _place(locked, ids, group)
    commit(locked, user, f"Groupe « {group.title} » créé"
                         + (f" avec {len(ids)} contribution{'s' if len(ids) > 1 else ''}"
                            if ids else ""))
    return group


def _place(locked: Synthesis, ids: list[int], group: SynthesisGroup | None) -> None:
    """Put contributions in `group` (None: back to those not grouped)."""
    allowed = set(source_contributions(locked).filter(pk__in=ids).values_list("pk", flat=True))
    allowed |= set(locked.items.filter(contribution_id__in=ids)
                   .values_list("contribution_id", flat=True))
    unknown = set(ids) - allowed
    if unknown:
        raise SynthesisError("Certaines contributions choisies ne font pas partie de cette "
                             "synthèse.")
    locked.items.filter(contribution_id__in=ids).delete()
    if group is not None:
        SynthesisItem.objects.bulk_create(
            SynthesisItem(synthesis=locked, group=group, contribution_id=pk) for pk in ids)


@transaction.atomic
def move_items(*, scope: Scope, user, synthesis: Synthesis, contribution_ids: Iterable,
               target=None, expected_revision=None) -> int:
    """Move contributions into `target` (a group of this synthesis), or out of every group
    when `target` is None."""
    locked = begin(scope, synthesis, expected_revision)
    ids = _ids(contribution_ids)
    target_group = group_of(locked, target) if target is not None else None
    _place(locked, ids, target_group)
    n = len(ids)
    what = f"{n} contribution{'s' if n > 1 else ''}"
    if target_group is None:
        commit(locked, user, f"{what} retirée{'s' if n > 1 else ''} des groupes")
    else:
        commit(locked, user, f"{what} placée{'s' if n > 1 else ''} dans « {target_group.title} »")
    return n


@transaction.atomic
def split_group(*, scope: Scope, user, synthesis: Synthesis, group, contribution_ids: Iterable,
                title: str, expected_revision=None) -> SynthesisGroup:
    """Move the chosen contributions of a group out into a new group."""
    locked = begin(scope, synthesis, expected_revision)
    source = group_of(locked, group)
    ids = _ids(contribution_ids)
    members = set(source.items.values_list("contribution_id", flat=True))
    if not set(ids) <= members:
        raise SynthesisError("Cochez des contributions de ce groupe.")
    if set(ids) == members:
        raise SynthesisError("Laissez au moins une contribution dans le groupe d’origine "
                             "(pour tout déplacer, renommez plutôt le groupe).")
    new = SynthesisGroup.objects.create(synthesis=locked, title=_clean_title(title),
                                        position=source.position, kind=source.kind,
                                        theme=source.theme, accepted=source.accepted)
    _place(locked, ids, new)
    commit(locked, user, f"Groupe « {source.title} » scindé : {len(ids)} contribution"
                         f"{'s' if len(ids) > 1 else ''} dans « {new.title} »")
    return new


@transaction.atomic
def merge_groups(*, scope: Scope, user, synthesis: Synthesis, target, sources: Iterable,
                 expected_revision=None) -> SynthesisGroup:
    """Fold the source groups into the target group (their texts appended to its text)."""
    locked = begin(scope, synthesis, expected_revision)
    target_group = group_of(locked, target)
    source_groups = [group_of(locked, g) for g in sources]
    source_groups = [g for g in source_groups if g.pk != target_group.pk]
    if not source_groups:
        raise SynthesisError("Choisissez au moins deux groupes à fusionner.")
    SynthesisItem.objects.filter(group__in=source_groups).update(group=target_group)
    texts = [target_group.text] + [g.text for g in source_groups]
    target_group.text = "\n\n".join(t for t in texts if t)
    target_group.accepted = True
    target_group.save(update_fields=["text", "accepted"])
    titles = ", ".join(f"« {g.title} »" for g in source_groups)
    for g in source_groups:
        g.delete()
    commit(locked, user, f"{titles} fusionné{'s' if len(source_groups) > 1 else ''} dans "
                         f"« {target_group.title} »")
    return target_group


@transaction.atomic
def delete_group(*, scope: Scope, user, synthesis: Synthesis, group, expected_revision=None
                 ) -> None:
    locked = begin(scope, synthesis, expected_revision)
    group = group_of(locked, group)
    if group.items.exists():
        raise SynthesisError("Ce groupe contient encore des contributions : déplacez-les ou "
                             "retirez-les avant de le supprimer.")
    title = group.title
    group.delete()
    commit(locked, user, f"Groupe « {title} » supprimé")

