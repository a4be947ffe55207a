"""Which heatmap rows a dashboard page shows when a tree has more groups than a page holds."""

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.selectors.dashboard import HeatRow, heatmap_levels


def tree_rows(shape: list[int]) -> list[HeatRow]:
    """Rows in tree order (as the heatmap walks) of a root with `len(shape)` children, child i having shape[i]."""
    rows = [HeatRow(team_id=0, name="Root", depth=0, cells=[])]
    for i, children in enumerate(shape):
        rows.append(HeatRow(team_id=1000 + i, name=f"D {i}", depth=1, cells=[]))
        rows += [HeatRow(team_id=100_000 + 100 * i + c, name=f"T {i}.{c}", depth=2, cells=[]) for c in range(children)]
    return rows


@settings(max_examples=300, deadline=None)
@given(shape=st.lists(st.integers(0, 30), max_size=60), limit=st.integers(1, 400))
def test_a_page_shows_whole_levels_that_fit_or_everything(shape, limit):
    rows = tree_rows(shape)
    shown, depth = heatmap_levels(rows, limit)
    if len(rows) <= limit:
        assert shown == rows and depth is None
        return
    assert 0 < len(shown) <= limit and depth is not None
    assert shown == [row for row in rows if row in shown]  # tree order kept
    if depth:  # every group down to that level, and none below it
        assert shown == [row for row in rows if row.depth <= depth]
        assert sum(row.depth == depth + 1 for row in rows) + len(shown) > limit  # the next level did not fit
    else:  # the level below the group does not fit: the first rows of the tree
        assert shown == rows[:limit]
        assert 1 + sum(row.depth == 1 for row in rows) > limit
