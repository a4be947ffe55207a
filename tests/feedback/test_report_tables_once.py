"""The report tables' tags format each distinct value once (`feedback.templatetags.report_tables`): what they
write is what Django's `floatformat` and `localize` write for every value on its own."""

from django.template.defaultfilters import floatformat
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.templatetags.report_tables import _Figures, _text, _Texts

finite = st.floats(allow_nan=False, allow_infinity=False)
scores = st.floats(min_value=-100, max_value=100, allow_nan=False)


@settings(max_examples=1000)
@given(values=st.lists(st.one_of(finite, scores), min_size=1, max_size=20), digits=st.integers(0, 4))
def test_a_figure_formatted_once_reads_as_floatformat_writes_it(values, digits):
    figures = _Figures()
    for value in values * 2:  # the second time from what the first wrote
        assert figures.of(value, digits) == floatformat(value, digits)


@settings(max_examples=1000)
@given(
    values=st.lists(
        st.one_of(st.integers(-(10**7), 10**7), st.booleans(), scores, st.text(max_size=8), st.none()), max_size=20
    )
)
def test_a_value_written_once_reads_as_localize_and_escaping_write_it(values):
    texts = _Texts()
    for value in values * 2:
        assert texts.of(value) == _text(value)


def test_one_one_point_nought_and_true_are_each_written_as_themselves():
    texts = _Texts()
    with translation.override("de"):
        assert [texts.of(1), texts.of(1.0), texts.of(True), texts.of(1)] == [_text(1), _text(1.0), _text(True), "1"]
