"""CSV injection: a spreadsheet runs a cell that starts with one of
``FORMULA_STARTS`` as a formula. Exported text cells get a leading
apostrophe, which the spreadsheet hides and the import takes off again."""

from __future__ import annotations

# The ASCII starters, and their full-width forms, which spreadsheets set up
# for East Asian input read as the ASCII ones.
FORMULA_STARTS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",
)


def guard(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguard(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
