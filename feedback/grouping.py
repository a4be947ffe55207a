"""Spreading rows of teams into every group above them, and finding runs of equal keys. Pure: numpy arrays
in and out.

Aggregation counts each response in its team and in every ancestor of that team; these two helpers let it do
so for a whole cycle at once instead of one response at a time.
"""

from collections.abc import Mapping, Sequence

import numpy as np


def spread(teams: np.ndarray, chains: Mapping[int, Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (row, group) pairs: each row of `teams` once for every group in its team's chain.

    `chains`: each team's groups, the team itself first (`surveys.selectors.team_ancestor_ids`). Rows come in
    ascending order, and each row's groups in its chain's order.
    """
    teams = np.asarray(teams, dtype=np.int64)
    if not len(teams):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    distinct, team_of_row = np.unique(teams, return_inverse=True)
    chain_of = [np.asarray(chains[t], dtype=np.int64) for t in distinct.tolist()]
    lengths = np.array([len(c) for c in chain_of], dtype=np.int64)
    flat = np.concatenate(chain_of)
    starts = np.cumsum(lengths) - lengths
    per_row = lengths[team_of_row]
    rows = np.repeat(np.arange(len(teams)), per_row)
    # each pair's place in its row's chain: 0, 1, … within every run of equal rows
    place = np.arange(len(rows)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return rows, flat[starts[team_of_row][rows] + place]


def runs(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (order, starts): the order that sorts rows by `keys` (the first key first), and where each run of
    rows with all keys equal starts in that order. Ties keep their original order."""
    order = np.lexsort(keys[::-1])
    if not len(order):
        return order, np.zeros(0, dtype=np.int64)
    changes = np.zeros(len(order) - 1, dtype=bool)
    for key in keys:
        ordered = np.asarray(key)[order]
        changes |= ordered[1:] != ordered[:-1]
    return order, np.concatenate([[0], np.flatnonzero(changes) + 1])


def run_of_rows(order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return, for each row (in its original place), the number of its run from `runs`."""
    found = np.zeros(len(order), dtype=np.int64)
    found[order] = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(order))))
    return found
