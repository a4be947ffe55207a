"""File downloads: every CSV Align hands out leaves through `csv_attachment`."""

from django.http import HttpResponse


def csv_attachment(text: str, *, filename: str) -> HttpResponse:
    """Return CSV text as a UTF-8 attachment named `filename`, starting with a byte-order mark.

    Excel reads a CSV without the mark in the computer's code page (Windows-1252 in much of the world): Zoë
    becomes ZoÃ«, a cycle name's "·" becomes "Â·", and a comment in Cyrillic, Hindi or emoji is unreadable; a
    file saved again from that carries the damage back. Python's csv, pandas (encoding="utf-8-sig"),
    LibreOffice and Google Sheets read the mark as what it is.
    """
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
