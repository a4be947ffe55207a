"""Report filters. Values outside the viewer's scope are not form errors: the view answers 404 for them."""

from django import forms

from surveys.models import Cycle, Dimension

from .selectors.dashboard import _in_range, reported_cycles

EXPORTABLE = ["participation", "trends", "heatmap", "movers", "findings", "metrics", "reliability", "drivers"]
TEAM_REPORT_EXPORTS = ["scores", "items", "metrics", "drivers", "pdf"]


class DashboardFilters(forms.Form):
    """The dashboard's filters. A cycle is one the dashboard reports (closed or published): an unknown id, or an
    open cycle's, is refused here rather than read as "the latest", which showed another cycle under a URL that
    named this one. Cycles belong to the whole organisation, so saying that an id is not one probes nothing."""

    root = forms.IntegerField(required=False, label="Group")
    first = forms.IntegerField(required=False, label="From cycle")
    last = forms.IntegerField(required=False, label="To cycle")
    cycle = forms.IntegerField(required=False, label="Heatmap cycle")
    dimension = forms.ModelMultipleChoiceField(
        queryset=Dimension.objects.all(), required=False, label="Dimensions", to_field_name="key"
    )
    export = forms.ChoiceField(choices=[(name, name) for name in [*EXPORTABLE, "pdf"]], required=False)

    def clean(self):
        cleaned = super().clean()
        reported = {cycle.id for cycle in reported_cycles()}
        for name in ("first", "last", "cycle"):
            if cleaned.get(name) is not None and cleaned[name] not in reported:
                self.add_error(name, f"No closed or published cycle has the id {cleaned[name]}.")
        return cleaned

    def refuse_unreported(self, reporting: list[Cycle], *, group: str) -> bool:
        """Add an error for each cycle filter that is not one of the group's (`reporting`: the cycles that report
        on it, `participation.cycles_reporting`, oldest first) and for a heatmap cycle outside the range shown;
        return whether any was added. Call on a valid form, after the group is known.

        A closed cycle of another group (a one-off of one team, asked of the department's dashboard) names no
        figure of this group: it is refused, never read as "the latest".
        """
        names = {cycle.id: cycle.name for cycle in reported_cycles()}
        ids = {cycle.id for cycle in reporting}
        cleaned = self.cleaned_data
        for name in ("first", "last", "cycle"):
            chosen = cleaned.get(name)
            if chosen is not None and chosen not in ids:
                self.add_error(
                    name,
                    f"The cycle {names.get(chosen, chosen)} (id {chosen}) does not report on {group}: its audience "
                    "did not take in the whole group, or invited nobody in it.",
                )
        if cleaned.get("cycle") is not None and not self.errors.keys() & {"first", "last", "cycle"}:
            # The heatmap shows a cycle of the range, else the range's latest: a cycle outside it was not shown.
            shown = _in_range(reporting, cleaned.get("first"), cleaned.get("last"))
            if cleaned["cycle"] not in {cycle.id for cycle in shown}:
                self.add_error(
                    "cycle",
                    f"The cycle {names[cleaned['cycle']]} (id {cleaned['cycle']}) is not among the cycles shown "
                    f"({shown[0].name} to {shown[-1].name}): choose one of them, or a range that includes it.",
                )
        return bool(self.errors)


class TeamReportQuery(forms.Form):
    """A team report's or results page's query parameters: the cycle shown (its id; the latest when none is
    given) among `cycles`, the report's cycles, and an export."""

    cycle = forms.IntegerField(required=False, min_value=1)
    export = forms.ChoiceField(choices=[(name, name) for name in TEAM_REPORT_EXPORTS], required=False)

    def __init__(self, *args, cycles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.cycles = list(cycles)

    def clean_cycle(self):
        chosen = self.cleaned_data["cycle"]
        if chosen is not None and all(cycle.id != chosen for cycle in self.cycles):
            raise forms.ValidationError(f"{chosen} is not a cycle of this report: the latest cycle is shown.")
        return chosen
