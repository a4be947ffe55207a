"""The drivers section shared by the dashboard and the team report: its context and its CSV table."""

from surveys.models import Cycle, Team

from .. import numbers, tables
from ..selectors.drivers import GroupDrivers, NoDrivers, group_drivers, no_drivers


def drivers_table(group: GroupDrivers | NoDrivers | None) -> tables.Table:
    """Return the drivers of one group, outcome and cycle as a table (the section's CSV).

    Where there are none, one row says why, as the page does (`NoDrivers.reason`); a bare header would not.
    """
    header = ["Dimension", "Outcome", "Cycle", "Spearman ρ", "95% CI low", "95% CI high", "Holm-adjusted p"]
    header += ["Share of R² %", "Share CI low %", "Share CI high %", "n", "Focus area"]
    if not group:
        reason = (group if isinstance(group, NoDrivers) else no_drivers(cycle=None)).reason
        row = [reason] + [None] * (len(header) - 1)
        return tables.Table("drivers", "Drivers: each dimension against the outcome", header, [row])
    rows = []
    for d in group.drivers:
        low, high = d.interval or (None, None)
        share_low, share_high = d.importance_interval or (None, None)
        rows.append(
            [
                d.dimension.name,
                group.outcome.name,
                group.cycle.name,
                numbers.shown(d.rho, 3),
                numbers.shown(low, 3),
                numbers.shown(high, 3),
                d.p_holm_text,
                numbers.percent(d.importance, 1),
                numbers.percent(share_low, 1),
                numbers.percent(share_high, 1),
                d.n,
                # every list the page puts it in: a strength or focus area can fall clearly too (Watch)
                "; ".join(group.focus_labels(d.dimension)) or None,
            ]
        )
    return tables.Table("drivers", "Drivers: each dimension against the outcome", header, rows)


def drivers_context(request, *, team: Team, cycle: Cycle | None, keep: list[str], csv: bool) -> dict:
    """Return the template context of `feedback/drivers.html` for `team` in `cycle`, outcome from `?outcome=`.

    `drivers` is the group's `GroupDrivers`, or a `NoDrivers` (false in a condition) saying why there are none.
    `keep`: the query parameters the outcome form carries along, so choosing an outcome keeps the page's view.
    """
    group = group_drivers(team=team, cycle=cycle, outcome_key=request.GET.get("outcome")) if cycle else None
    query = request.GET.copy()
    query.pop("export", None)
    return {
        "drivers": group or no_drivers(cycle=cycle),
        "drivers_cycle": cycle,
        "drivers_hidden": [(name, value) for name in keep for value in request.GET.getlist(name)],
        "drivers_csv": csv and group is not None,
        "drivers_query": query.urlencode(),
    }
