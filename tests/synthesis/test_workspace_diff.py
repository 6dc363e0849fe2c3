from concertation.synthesis.diff import Segment, snapshot_diff, text_diff


def _group(pk, title, contributions, text="", **kw):
    return {"id": pk, "title": title, "kind": "proposal", "text": text, "theme": "",
            "accepted": True, "position": pk, "contributions": contributions,
            "decision": None, **kw}


def test_text_diff_marks_words_removed_and_added():
    assert text_diff("Garantir un médecin traitant.", "Garantir un médecin traitant à chacun.") \
        == [Segment("same", "Garantir un médecin "),
            Segment("removed", "traitant."), Segment("added", "traitant à chacun.")]
    assert text_diff("", "Nouveau") == [Segment("added", "Nouveau")]
    assert text_diff("Même", "Même") == [Segment("same", "Même")]


def test_snapshot_diff_tells_groups_added_removed_renamed_and_contributions_moved():
    old = {"state": "draft", "title": "AURA", "groups": [
        _group(1, "Médecin traitant", [10, 11]),
        _group(2, "Sport", [12]),
        _group(3, "Transports", [13], accepted=False),
    ]}
    new = {"state": "in_validation", "title": "AURA", "groups": [
        _group(1, "Un médecin pour chacun", [10], text="Garantir un médecin."),
        _group(2, "Sport", [12, 11]),
        _group(4, "École", [14]),
    ]}
    result = snapshot_diff(old, new)
    assert result.state == ("En cours de rédaction", "Soumise à la CRSA")
    assert result.title is None
    assert result.added == ["École"] and result.removed == ["Transports"]
    [changed] = result.changed
    assert changed.title == "Un médecin pour chacun"
    assert changed.what == ["renommé (avant : « Médecin traitant »)", "texte modifié"]
    assert changed.text == [Segment("added", "Garantir un médecin.")]
    # 11 moved between kept groups; 13 left with its dismissed suggestion and 14 came with a
    # new group: both already told by the groups added and removed.
    assert [(m.contribution_id, m.source, m.target) for m in result.moved] == [
        (11, "Médecin traitant", "Sport")]
    assert not result.empty


def test_snapshot_diff_of_a_decision_and_of_nothing():
    decision = {"outcome": "amended", "votes_for": 9, "votes_against": 1, "abstentions": 2,
                "amended_text": "X"}
    old = {"state": "in_validation", "groups": [_group(1, "A", [1])]}
    new = {"state": "in_validation", "groups": [_group(1, "A", [1], decision=decision)]}
    [changed] = snapshot_diff(old, new).changed
    assert changed.what == ["décision de la CRSA : adoptée avec amendement (9 pour, 1 contre, "
                            "2 abstentions)"]
    assert snapshot_diff(old, old).empty
