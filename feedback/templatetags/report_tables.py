"""The report pages' long tables, written in Python: the heatmap's rows and a data table's rows.

The template language costs some microseconds a variable, and the dashboard's tables at 500 teams hold about
10,000 cells (the heatmap alone 4,400), which took most of the page's time. These tags write the same HTML the
template loops wrote, each value through Django's own `floatformat`, `localize` and escaping, so a page reads
the same in any language and locale; only the whitespace between tags differs. Each distinct value is
formatted once per table (`_Texts`, `_Figures`): the language and its formats do not change while one table
is written, and a heatmap's thousands of cells hold a few hundred distinct figures and counts.
"""

from decimal import InvalidOperation

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .. import numbers
from ..tables import SUPPRESSED

register = template.Library()
FIGURES_ROUNDED = (1e-6, 1e15)  # the sizes of figure whose floatformat text is its rounded value's (`_Figures`)


def _text(value) -> str:
    """Return a value as `{{ value }}` writes it: localized, then escaped."""
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


class _Texts(dict):
    """Each value's text as `_text` writes it, worked out once per distinct value (of the same type: 1, 1.0 and
    True write differently) while one table is written."""

    def __missing__(self, key):
        text = self[key] = _text(key[1])
        return text

    def of(self, value) -> str:
        try:
            return self[type(value), value]
        except TypeError:  # unhashable: written as it is
            return _text(value)


class _Figures(dict):
    """Each figure as `floatformat` writes it with a number of decimals, worked out once per shown figure while
    one table is written: `floatformat`'s text depends only on the value rounded by its rule (half away from
    zero on the value's shortest decimal form, `numbers.rounded`), so values that round alike write alike."""

    def __missing__(self, key):
        figure = self[key] = floatformat(key[0], key[1])
        return figure

    def of(self, value: float, digits: int) -> str:
        # floatformat writes a figure under a millionth or of 15 digits and more as it came ("2.5e-222"), not as
        # rounded: such a figure (never a score or a change) is written by floatformat itself.
        try:
            if value == 0 or FIGURES_ROUNDED[0] <= abs(value) < FIGURES_ROUNDED[1]:
                return self[numbers.rounded(value, digits), digits]
        except (InvalidOperation, TypeError, ValueError, OverflowError):
            pass
        return floatformat(value, digits)


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
    texts = _Texts()
    html = []
    for row in table.rows:
        cells = [f'<tr><th scope="row">{texts.of(row[0])}</th>'] if row else ["<tr>"]
        for cell in row[1:]:
            if cell == SUPPRESSED:
                cells.append(suppressed)
            elif cell is None:
                cells.append("<td>—</td>")
            else:
                cells.append(f"<td>{texts.of(cell)}</td>")
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
    texts, figures = _Texts(), _Figures()
    html = []
    for number, row in enumerate(rows):
        cells = [
            # The row's place and the group's id as digits, never localized: a sort key and a URL's parameter.
            f'<tr>\n<th scope="row" data-sort-value="{number:d}" style="padding-left: {row.depth:d}rem">'
            f'<a href="?root={row.team_id:d}{suffix}">{conditional_escape(row.name)}</a></th>\n'
        ]
        for cell in row.cells:
            if cell.shown:
                value = figures.of(cell.value, 0 if cell.enps else 2)
                mark = ""
                if cell.flagged:
                    rising = cell.change > 0
                    size = figures.of(cell.change_size, cell.change_digits)
                    unit = conditional_escape(cell.change_unit)
                    mark = f' <span aria-label="{up if rising else down} {size} {unit}">{"▲" if rising else "▼"}</span>'
                sort = _sort_value(cell.value)
                cells.append(
                    f'<td class="heat heat-{texts.of(cell.level)}" data-sort-value="{sort}">{value}{mark} '
                    f'<span class="n">n={texts.of(cell.n)}</span></td>\n'
                )
            elif not cell.asked:
                cells.append(not_asked + "\n")
            else:
                cells.append(suppressed + "\n")
        cells.append("</tr>\n")
        html.append("".join(cells))
    return mark_safe("".join(html))  # noqa: S308  # nosec B308 B703 - every value went through escaping or floatformat
