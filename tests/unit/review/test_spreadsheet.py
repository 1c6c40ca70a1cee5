"""CSV cells a spreadsheet would run as a formula get a leading apostrophe; everything else is left alone."""

from __future__ import annotations

import pytest

from review.spreadsheet import formula_safe


@pytest.mark.parametrize("cell", [
    "=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
    "  =1+1",            # importers that trim spaces would run it
    "\u200b=1+1",        # a zero-width space in front hides nothing from a spreadsheet that drops it
    "\uff1dHYPERLINK(\"http://x\")",  # full-width equals sign, folded to '=' by some locales
    "\uff20SUM(A1)",
])
def test_formula_cells_are_quoted(cell):
    assert formula_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Giving feedback", "a = b", "3.5", "", "x-ray", "e-mail: a@b.c"])
def test_text_cells_are_left_as_they_are(cell):
    assert formula_safe(cell) == cell


def test_non_text_values_pass_through():
    assert formula_safe(7) == 7 and formula_safe(None) is None
