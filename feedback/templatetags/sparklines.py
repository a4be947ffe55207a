"""A sparkline: a figure's path over cycles as inline SVG, drawn on the figure's whole scale."""

from django import template

register = template.Library()

WIDTH, HEIGHT = 96, 24


@register.filter
def sparkline_segments(values: list[float | None], scale: str) -> list[dict]:
    """Return a series as SVG runs, one per run of shown figures: {"points": a polyline's `points`,
    "dots": [(x, y), …]} (a run of one figure has a dot and no visible line).

    `scale` is "enps" (−100 to 100) or a Likert scale's number of points ("5", "7"): the line is drawn on the
    whole scale, never on the range the values happen to span, so a small change looks small. A figure not
    shown (None) breaks the line rather than being bridged.
    """
    low, high = (-100.0, 100.0) if scale == "enps" else (1.0, float(scale))
    step = WIDTH / max(len(values) - 1, 1)
    segments, current = [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        y = HEIGHT - (min(max(value, low), high) - low) / (high - low) * HEIGHT
        current.append((round(index * step, 1), round(y, 1)))
    if current:
        segments.append(current)
    return [{"points": " ".join(f"{x},{y}" for x, y in run), "dots": run} for run in segments]
