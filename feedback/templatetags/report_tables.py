"""The report pages' long tables, written in Python: the heatmap's rows and a data table's rows.

The template language costs some microseconds a variable, and the dashboard's tables at 500 teams hold about
10,000 cells (the heatmap alone 4,400), which took most of the page's time. These tags write the same HTML the
template loops wrote, each value through Django's own `floatformat`, `localize` and escaping, so a page reads
the same in any language and locale; only the whitespace between tags differs.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..tables import SUPPRESSED

register = template.Library()


def _text(value) -> str:
    """Return a value as `{{ value }}` writes it: localized, then escaped."""
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


def _sort_value(value) -> str:
    """Return a value as `{{ value|stringformat:'.4f' }}` writes it ("" where it is not a number)."""
    try:
        return f"{value:.4f}"
    except (TypeError, ValueError):
        return ""


@register.simple_tag
def data_table_rows(table) -> SafeString:
    """Return the `<tr>` rows of a data table (`feedback.tables.Table`): its first cell a row heading, a
    SUPPRESSED cell marked as such, an empty one a dash."""
    suppressed = f'<td class="suppressed">{conditional_escape(gettext("suppressed"))}</td>'
    html = []
    for row in table.rows:
        cells = [f'<tr><th scope="row">{_text(row[0])}</th>'] if row else ["<tr>"]
        for cell in row[1:]:
            if cell == SUPPRESSED:
                cells.append(suppressed)
            elif cell is None:
                cells.append("<td>—</td>")
            else:
                cells.append(f"<td>{_text(cell)}</td>")
        cells.append("</tr>\n")
        html.append("".join(cells))
    return mark_safe("".join(html))  # noqa: S308  # nosec B308 B703 - every value above went through conditional_escape


@register.simple_tag
def heatmap_rows(rows, *, cycle, filters: dict) -> SafeString:
    """Return the heatmap's `<tr>` rows (`selectors.dashboard.HeatRow`), each group's name linking to its own
    dashboard with the page's cycle, range and dimension filters (`filters`: the form's cleaned data)."""
    suffix = f"&amp;cycle={_text(cycle.id)}" if cycle else ""
    suffix += f"&amp;first={_text(filters['first'])}" if filters.get("first") else ""
    suffix += f"&amp;last={_text(filters['last'])}" if filters.get("last") else ""
    suffix += "".join(f"&amp;dimension={_text(d.key)}" for d in filters.get("dimension") or [])
    not_asked = f'<td class="not-asked" data-sort-value="">{conditional_escape(gettext("not asked this cycle"))}</td>'
    suppressed = f'<td class="suppressed" data-sort-value="">{conditional_escape(gettext("suppressed"))}</td>'
    up, down = conditional_escape(gettext("up")), conditional_escape(gettext("down"))
    html = []
    for number, row in enumerate(rows):
        cells = [
            f'<tr>\n<th scope="row" data-sort-value="{_text(number)}" style="padding-left: {_text(row.depth)}rem">'
            f'<a href="?root={_text(row.team_id)}{suffix}">{conditional_escape(row.name)}</a></th>\n'
        ]
        for cell in row.cells:
            if cell.shown:
                value = floatformat(cell.value, 0 if cell.enps else 2)
                mark = ""
                if cell.flagged:
                    rising = cell.change > 0
                    size = floatformat(cell.change_size, cell.change_digits)
                    unit = conditional_escape(cell.change_unit)
                    mark = f' <span aria-label="{up if rising else down} {size} {unit}">{"▲" if rising else "▼"}</span>'
                sort = _sort_value(cell.value)
                cells.append(
                    f'<td class="heat heat-{_text(cell.level)}" data-sort-value="{sort}">{value}{mark} '
                    f'<span class="n">n={_text(cell.n)}</span></td>\n'
                )
            elif not cell.asked:
                cells.append(not_asked + "\n")
            else:
                cells.append(suppressed + "\n")
        cells.append("</tr>\n")
        html.append("".join(cells))
    return mark_safe("".join(html))  # noqa: S308  # nosec B308 B703 - every value went through escaping or floatformat
