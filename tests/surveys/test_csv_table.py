"""Every number in an export is plain text a spreadsheet reads, whatever type computed it (the trends CSV once
printed `np.float64(3.41)`)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from surveys import csv_table

NUMBER_TYPES = [float, np.float64, np.float32, np.float16]
WHOLE_TYPES = [int, np.int64, np.int32, np.int16, np.uint8]


@given(value=st.floats(allow_nan=False, allow_infinity=False, width=16), kind=st.sampled_from(NUMBER_TYPES))
def test_any_real_number_is_written_as_a_plain_decimal(value, kind):
    cell = csv_table.safe_cell(kind(value))
    assert float(cell) == round(float(kind(value)), 6)
    assert "(" not in cell and "np" not in cell


@given(value=st.integers(0, 255), kind=st.sampled_from(WHOLE_TYPES))
def test_any_whole_number_is_written_as_digits(value, kind):
    assert csv_table.safe_cell(kind(value)) == str(value)


def test_the_trends_interval_of_the_example_is_written_as_a_number():
    table = csv_table.write_table(["low"], [[np.float64(3.41)]])
    assert table.splitlines()[1] == "3.41"
