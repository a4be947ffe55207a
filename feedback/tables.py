"""The tables behind every chart and export: one source for the page's data tables and the CSV downloads.

Pure: report data in, rows of plain values out. A figure that disclosure control hides is the text
SUPPRESSED, never an empty cell that could be taken for a missing value and worked out from the others.
"""

from dataclasses import dataclass

from . import numbers

SUPPRESSED = "suppressed"
NOT_ASKED = "not asked"  # the cycle did not ask the dimension (its template rotates): a gap, not a hidden figure


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    header: list[str]
    rows: list[list]


def _r(value, digits=2):
    return numbers.shown(value, digits)  # the pages' rounding (`feedback.numbers`), not round()'s


P_DIGITS = 4
P_FLOOR = 10**-P_DIGITS
P_BELOW_FLOOR = f"<{P_FLOOR:.{P_DIGITS}f}"  # "<0.0001"


def p_text(value: float | None) -> str | None:
    """Return a p- or q-value as every page and CSV shows it: four decimals, or "<0.0001" below that.

    Never 0: a p-value is never zero (a permutation p is at least 1 / (1 + permutations); an analytic p
    that underflows, or rounds, to 0 is only below what the digits can show). Rounded as Django's
    `floatformat:4` rounds (half up, from the float's shortest repr), so a page's prose,
    `{% if p < 0.0001 %}&lt; 0.0001{% else %}{{ p|floatformat:4 }}{% endif %}`, says the same.
    Text, not a float: the CSV writer rounds floats to 6 decimals, which would turn 3e-7 into 0.0.
    """
    if value is None or value != value:  # None, or NaN: no p-value to show
        return None
    if value < P_FLOOR:
        return P_BELOW_FLOOR
    return numbers.text(value, P_DIGITS)


def participation_table(points) -> Table:
    rows = [
        [p.cycle.name, p.invited, p.answered, numbers.percent(p.rate, 1)]
        if p.shown
        else [p.cycle.name, SUPPRESSED, SUPPRESSED, SUPPRESSED]
        for p in points
    ]
    return Table("participation", "Participation per cycle", ["Cycle", "Invited", "Answered", "Response rate %"], rows)


def trend_table(trends) -> Table:
    rows = []
    for trend in trends:
        for p in trend.points:
            if not p.shown:
                rows.append([trend.dimension.name, p.cycle.name, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED])
                continue
            low, high = p.interval or (None, None)
            rows.append([trend.dimension.name, p.cycle.name, _r(p.value), _r(low), _r(high), p.n])
    header = ["Dimension", "Cycle", "Score (eNPS: −100 to 100)", "95% CI low", "95% CI high", "n"]
    return Table("trends", "Scores per cycle (the eNPS row is eNPS, without an interval)", header, rows)


def heatmap_table(rows, dimensions, cycle, *, scales: dict) -> Table:
    """The heatmap as a table. Each column says its unit and range from its dimension's scale (`scales`:
    dimension id → `surveys.scales.Scale`, `surveys.selectors.dimension_scales`), not from the cells this
    cycle showed: "scale points, 1–7", or "eNPS points, −100 to 100"; a scale's change is in scale points."""
    header = ["Group", "Depth"]
    for dimension in dimensions:
        scale = scales[dimension.id]
        change = scale.unit if scale.enps else "scale points"
        header += [f"{dimension.name} ({scale.unit})", f"{dimension.name} n", f"{dimension.name} change ({change})"]
    body = []
    for row in rows:
        cells = [row.name, row.depth]
        for cell in row.cells:
            if cell.shown:
                cells += [_r(cell.value), cell.n, _r(cell.change)]
            else:  # a rotating template's cycle may not have asked the dimension: nothing there to suppress
                cells += [SUPPRESSED if getattr(cell, "asked", True) else NOT_ASKED] * 3
        body.append(cells)
    return Table("heatmap", f"Scores by group, {cycle.name if cycle else ''}", header, body)


def movers_table(movers) -> Table:
    rows = [
        [m.name, m.dimension.name, _r(m.change), _r(m.interval[0]), _r(m.interval[1]), m.change_unit, m.n]
        for m in movers
    ]
    header = ["Group", "Dimension", "Change", "95% CI low", "95% CI high", "Unit", "n"]
    return Table("movers", "Significant changes from the previous cycle", header, rows)


def findings_table(views) -> Table:
    header = ["Dimension", "Metric", "Lag (cycles)", "r", "95% CI low", "95% CI high", "p", "q (BH)", "Teams",
              "Points", "Reading"]  # fmt: skip
    rows = [
        [
            f.dimension.name,
            f.metric.name,
            f.lag,
            _r(f.r),
            _r(f.ci_low),
            _r(f.ci_high),
            p_text(f.p),
            p_text(f.q),
            f.n_teams,
            f.n_points,
            f.sentence,
        ]
        for f in (view.finding for view in views)
    ]
    return Table("findings", "Associations of survey dimensions with metrics (not causes)", header, rows)


def metrics_table(series) -> Table:
    rows = [
        [s.metric.name, s.period, p.start.isoformat(), p.end.isoformat(), _r(p.value, 4), s.metric.unit,
         "yes" if p.ended else "not yet: the value so far"]
        for s in series
        for p in s.points
    ]  # fmt: skip
    header = ["Metric", "Period", "Period start", "Period end (inclusive)", "Value", "Unit", "Period ended"]
    return Table("metrics", "Metric values per period for the group", header, rows)


def scores_table(reports) -> Table:
    """The team report's scores per cycle and dimension."""
    rows = []
    for report in reports:
        for cell in report.cells:
            if not cell.shown:
                rows.append([report.cycle.name, cell.dimension.name] + [SUPPRESSED] * 6)
                continue
            low, high = cell.change_ci or (None, None)
            value = cell.enps if cell.enps is not None else cell.mean
            favourable = _r(100 * cell.favourable, 1) if cell.favourable is not None else None
            rows.append(
                [
                    report.cycle.name,
                    cell.dimension.name,
                    _r(value),
                    favourable,
                    cell.respondents,
                    _r(cell.change),
                    _r(low),
                    _r(high),
                ]
            )
    header = ["Cycle", "Dimension", "Score (eNPS: −100 to 100)", "Favourable %", "n",
              "Change (points; eNPS: eNPS points)", "Change 95% CI low", "Change 95% CI high"]  # fmt: skip
    return Table("scores", "Scores per cycle", header, rows)


def items_table(reports) -> Table:
    """The team report's answer distributions: one row per cycle and question, shares as asked."""
    rows = []
    for report in reports:
        for item in report.extras.items:
            shares = " · ".join(f"{point}: {numbers.percent(share)}%" for point, share in item.shares)
            rows.append([report.cycle.name, item.question.text, item.n, _r(item.mean), shares])
    header = ["Cycle", "Question", "n", "Mean (scale points, after reverse scoring)", "Answers as asked: share %"]
    return Table("items", "Answers per question", header, rows)


def reliability_table(rows) -> Table:
    header = ["Dimension", "Cycle", "Cronbach's α", "95% CI low", "95% CI high", "Complete responses (n)"]
    header += ["Questions", "Reading"]
    body = []
    for r in rows:
        low, high = r.interval or (None, None)
        reading = "items disagree: read with care" if r.items_disagree else "consistent"
        body.append([r.dimension.name, r.cycle.name, _r(r.alpha), _r(low), _r(high), r.respondents, r.items, reading])
    return Table("reliability", "Reliability of each dimension's questions across the organisation", header, body)
