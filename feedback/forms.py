"""Report filters. Values outside the viewer's scope are not form errors: the view answers 404 for them."""

from django import forms

from surveys.models import Dimension

EXPORTABLE = ["participation", "trends", "heatmap", "movers", "findings", "metrics", "reliability", "drivers"]


class DashboardFilters(forms.Form):
    root = forms.IntegerField(required=False, label="Group")
    first = forms.IntegerField(required=False, label="From cycle")
    last = forms.IntegerField(required=False, label="To cycle")
    cycle = forms.IntegerField(required=False, label="Heatmap cycle")
    dimension = forms.ModelMultipleChoiceField(
        queryset=Dimension.objects.all(), required=False, label="Dimensions", to_field_name="key"
    )
    export = forms.ChoiceField(choices=[(name, name) for name in [*EXPORTABLE, "pdf"]], required=False)
