"""Reading Pol.is-format votes into a participant × comment matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .io import AnalysisError, read_csv, read_header

__all__ = ["Ids", "VoteMatrix", "build_vote_matrix", "read_moderated", "read_votes"]


@dataclass(frozen=True)
class _Cells:
    """The seen cells of a vote matrix: participant row, comment column and vote."""

    rows: np.ndarray
    cols: np.ndarray
    votes: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, values: np.ndarray) -> _Cells:
        # A few percent of the cells are seen: every later step works on these arrays
        # (bincounts, one scatter), not on the dense matrix (≈ 10 passes of 100 MB saved).
        rows, cols = np.nonzero(~np.isnan(values))
        return cls(rows, cols, values[rows, cols], values.shape)


@dataclass(frozen=True)
class VoteMatrix:
    """Dense participants × comments matrix; NaN = not seen."""

    values: np.ndarray  # float32, shape (participants, comments)
    participants: list[str]
    comments: list[str]
    # Moderated-out comments: kept as all-"pass" columns for the projection (as Pol.is does,
    # which affects the sparsity scaling) but excluded from every statistic and output.
    moderated: np.ndarray | None = None
    # The seen cells, when the builder already has them (build_vote_matrix): finding them
    # again in a 33k × 800 matrix is a pass over 26 million cells.
    cells: _Cells | None = field(default=None, repr=False, compare=False)

    def moderated_mask(self) -> np.ndarray:
        if self.moderated is None:
            return np.zeros(len(self.comments), dtype=bool)
        return self.moderated

    def seen_cells(self) -> _Cells:
        return self.cells if self.cells is not None else _Cells.of(self.values)


# --------------------------------------------------------------------------- reading


Ids = Sequence[str] | np.ndarray


def _read_votes_fast(path: str | Path) -> tuple[Ids, Ids, np.ndarray, np.ndarray | None] | None:
    """numpy's C parser for the common all-numeric export; None means "use the slow path"
    (which also produces the precise error messages)."""
    head = read_header(path)
    if head is None:
        return None
    names = [h.strip().casefold() for h in head.header]
    try:
        cols = [names.index(c) for c in ("voter-id", "comment-id", "vote")]
    except ValueError:
        return None
    if "timestamp" in names:
        cols.append(names.index("timestamp"))
    # Integer parsing is about six times faster than float parsing in np.loadtxt (0.3 s
    # against 2 s for 2 million rows); decimals ("1.0", fractional timestamps) fall back.
    for dtype in (np.int64, np.float64):
        try:
            data = np.loadtxt(
                path,
                delimiter=head.delimiter,
                skiprows=1,
                usecols=cols,
                dtype=dtype,
                comments=None,
                quotechar='"',
                encoding=head.encoding,
                ndmin=2,
            )
            break
        except (ValueError, OverflowError, UnicodeDecodeError, OSError):
            continue
    else:
        return None
    if data.dtype.kind in "iu":
        if len(data) == 0 or not np.isin(data[:, 2], (-1, 0, 1)).all():
            return None
        return (
            data[:, 0].copy(),
            data[:, 1].copy(),
            data[:, 2].astype(np.int8),
            data[:, 3].copy() if len(cols) == 4 else None,
        )
    if len(data) == 0 or not np.all(np.isfinite(data[:, :3])):
        return None
    ids = data[:, :2]
    if not np.array_equal(ids, np.round(ids)) or not np.isin(data[:, 2], (-1, 0, 1)).all():
        return None
    timestamps = data[:, 3].copy() if len(cols) == 4 else None
    return (
        ids[:, 0].astype(np.int64),
        ids[:, 1].astype(np.int64),
        data[:, 2].astype(np.int8),
        timestamps,
    )


def read_votes(path: str | Path) -> tuple[Ids, Ids, np.ndarray, np.ndarray | None]:
    """Read a Pol.is votes export: (voter ids, comment ids, votes, timestamps or None).

    Ids are integer arrays when every id is an integer (fast path), strings otherwise;
    votes must be 1, -1 or 0 (an error names the first bad row).
    """
    fast = _read_votes_fast(path)
    if fast is not None:
        return fast
    table = read_csv(path)
    voter_col = table.column("voter-id")
    comment_col = table.column("comment-id")
    vote_col = table.column("vote")
    stripped = [h.strip().casefold() for h in table.header]
    time_col = stripped.index("timestamp") if "timestamp" in stripped else None
    width = max(voter_col, comment_col, vote_col, time_col or 0) + 1
    rows = table.rows
    for i, row in enumerate(rows):
        if len(row) < width:
            raise AnalysisError(
                f"ligne {table.line_of(i)} de {table.path.name} : {len(row)} colonnes au lieu "
                f"d'au moins {width}"
            )
    voters = [row[voter_col].strip() for row in rows]
    comments = [row[comment_col].strip() for row in rows]
    raw_votes = [row[vote_col].strip() for row in rows]
    lookup = {"1": 1, "-1": -1, "0": 0, "1.0": 1, "-1.0": -1, "0.0": 0, "+1": 1}
    try:
        votes = np.fromiter((lookup[v] for v in raw_votes), dtype=np.int8, count=len(rows))
    except KeyError:
        bad = next(i for i, v in enumerate(raw_votes) if v not in lookup)
        raise AnalysisError(
            f"vote invalide « {raw_votes[bad]} » ligne {table.line_of(bad)} de "
            f"{table.path.name} (attendu 1, -1 ou 0)"
        ) from None
    for name, values in (("voter-id", voters), ("comment-id", comments)):
        if "" in values:
            bad = values.index("")
            raise AnalysisError(
                f"colonne « {name} » vide ligne {table.line_of(bad)} de {table.path.name}"
            )
    timestamps: np.ndarray | None = None
    if time_col is not None:
        try:
            timestamps = np.array([float(row[time_col]) for row in rows], dtype=np.float64)
        except ValueError:
            bad = next(i for i, row in enumerate(rows) if not _is_float(row[time_col]))
            raise AnalysisError(
                f"horodatage invalide « {rows[bad][time_col]} » ligne {table.line_of(bad)} de "
                f"{table.path.name}"
            ) from None
    return voters, comments, votes, timestamps


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_moderated(path: str | Path) -> set[str]:
    """Comment ids with ``moderated`` = -1 in a Pol.is comments export."""
    table = read_csv(path, required=False)
    id_col = table.column("comment-id")
    mod_col = table.column("moderated")
    out: set[str] = set()
    for i, row in enumerate(table.rows):
        value = row[mod_col].strip() if mod_col < len(row) else ""
        if value not in {"-1", "0", "1", ""}:
            raise AnalysisError(
                f"valeur « {value} » invalide pour « moderated » ligne {table.line_of(i)} de "
                f"{table.path.name} (attendu -1, 0 ou 1)"
            )
        if value == "-1":
            out.add(row[id_col].strip())
    return out


def _factorise(values: Ids) -> tuple[np.ndarray, list[str]]:
    """Integer codes and sorted unique labels (numeric ids sorted numerically)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        if len(values) and values.min() >= 0 and values.max() <= 4 * len(values) + 1_000_000:
            # Small non-negative ids (the usual case): a presence table, no sort.
            present = np.zeros(int(values.max()) + 1, dtype=bool)
            present[values] = True
            rank = np.cumsum(present, dtype=np.int64) - 1
            return rank[values], [str(v) for v in np.flatnonzero(present).tolist()]
        unique, codes = np.unique(values, return_inverse=True)
        return codes.astype(np.int64), [str(v) for v in unique.tolist()]
    index: dict[str, int] = {}
    codes = np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    labels = list(index)
    try:
        keys = [float(v) for v in labels]
        order = sorted(range(len(labels)), key=lambda i: (keys[i], labels[i]))
    except ValueError:
        order = sorted(range(len(labels)), key=lambda i: labels[i])
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    return rank[codes], [labels[i] for i in order]


def build_vote_matrix(
    voters: Ids,
    comments: Ids,
    votes: np.ndarray,
    timestamps: np.ndarray | None = None,
    *,
    exclude: set[str] | None = None,
) -> VoteMatrix:
    """Latest vote per (participant, comment); ``exclude`` marks moderated comments."""
    p_codes, p_labels = _factorise(voters)
    c_codes, c_labels = _factorise(comments)
    excluded = exclude or set()
    moderated = np.array([c in excluded for c in c_labels], dtype=bool)
    n_cells = len(p_labels) * len(c_labels)
    if timestamps is None or len(timestamps) < 2 or (np.diff(timestamps) >= 0).all():
        order = None  # file order is already time order (the usual export)
        key = p_codes * len(c_labels) + c_codes
    else:
        order = np.argsort(np.asarray(timestamps), kind="stable")
        key = p_codes[order] * len(c_labels) + c_codes[order]
    # Last occurrence wins: the largest position in time order of each cell.
    small = len(key) < 2**31 - 1
    last: np.ndarray = np.full(n_cells, -1, dtype=np.int32 if small else np.int64)
    np.maximum.at(last, key, np.arange(len(key), dtype=last.dtype))
    cells = np.flatnonzero(last >= 0)
    chosen = last[cells]
    if order is not None:
        chosen = order[chosen]
    cell_votes = votes[chosen].astype(np.float32)
    # float32 halves memory (33k × 800 = 105 MB); the statistics use exact integer counts.
    # The int32 positions' memory becomes the float32 matrix: one 105 MB buffer, not two
    # (the kernel's zeroing of a fresh buffer was a third of the command's system time).
    matrix: np.ndarray = last.view(np.float32) if small else np.empty(n_cells, dtype=np.float32)
    del last
    matrix.fill(np.nan)
    matrix[cells] = cell_votes
    matrix = matrix.reshape(len(p_labels), len(c_labels))
    # Flat positions in increasing order: the row-major order np.nonzero gives.
    seen = _Cells(cells // len(c_labels), cells % len(c_labels), cell_votes, matrix.shape)
    return VoteMatrix(
        values=matrix, participants=p_labels, comments=c_labels, moderated=moderated, cells=seen
    )
