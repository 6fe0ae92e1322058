"""One CSV writer for every export: a cell that a spreadsheet program would run as a formula
(starting with =, +, -, @, a tab or a carriage return) is written with a leading apostrophe,
so it shows as text. Used by the instructor CSVs, the gradebook and the Wagtail admin's own
spreadsheet exports (`SafeSpreadsheetExportMixin` on their index views)."""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value made safe for a CSV cell. Numbers stay numbers; text that would start a formula
    gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """csv.writer with every cell through csv_cell."""

    def __init__(self, file, **kwargs):
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(file, **kwargs) -> SafeWriter:
    return SafeWriter(file, **kwargs)


class SafeSpreadsheetExportMixin:
    """For a Wagtail IndexView (SpreadsheetExportMixin): every exported CSV and XLSX text cell
    goes through csv_cell."""

    def preprocess_field_value(self, field, value, export_format):
        return csv_cell(super().preprocess_field_value(field, value, export_format))
