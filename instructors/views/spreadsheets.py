"""What the /teach/ spreadsheets (CSV) share."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# Spreadsheet apps run a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str) -> HttpResponse:
    """An empty CSV download, with a byte-order mark so that spreadsheet apps read accents correctly."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response.write("\ufeff")
    return response
