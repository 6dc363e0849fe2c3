"""The one write path for contributions, one module per room: `lifecycle` (the transition
and its log), `capture` (live capture, online submission, comments), `votes` (with the counts
kept on the row), `merges` (reversible, with provenance) and `priority` (priority votes in
workshops). Callers import from here."""

from concertation.contributions.services.capture import (
    CAPTURE_STATES,
    MAX_COMMENT,
    SIMILAR_THRESHOLD,
    Captured,
    add_comment,
    capture,
    edit_text,
    similar_contributions,
    submit_online,
)
from concertation.contributions.services.lifecycle import ContributionError, clean_text, transition
from concertation.contributions.services.merges import merge, provenance, unmerge
from concertation.contributions.services.priority import (
    MIN_PRIORITY_POINTS,
    Ranked,
    allocate_points,
    close_priority_vote,
    my_points,
    open_priority_vote,
    parse_points,
    priority_proposals,
    priority_ranking,
)
from concertation.contributions.services.votes import (
    recount_votes,
    vote,
    vote_by_link,
    vote_counts,
)

__all__ = [
    "CAPTURE_STATES", "MAX_COMMENT", "MIN_PRIORITY_POINTS", "SIMILAR_THRESHOLD", "Captured",
    "ContributionError", "Ranked", "add_comment", "allocate_points", "capture", "clean_text",
    "close_priority_vote", "edit_text", "merge", "my_points", "open_priority_vote",
    "parse_points", "priority_proposals", "priority_ranking", "provenance", "recount_votes",
    "similar_contributions", "submit_online", "transition", "unmerge", "vote", "vote_by_link",
    "vote_counts",
]
