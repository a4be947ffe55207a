"""Reading Align's CSV downloads as a spreadsheet would."""

import csv
import io


def csv_rows(response) -> list[list[str]]:
    """Return a CSV download's rows, checking it is UTF-8 that starts with a byte-order mark (Excel needs it)."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode()), "a CSV download starts with a byte-order mark"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
