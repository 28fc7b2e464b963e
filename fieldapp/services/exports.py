"""The one CSV writer: every CSV fieldapp writes goes through `csv_text`.

Text cells are neutralised against formula injection (`domain/csv_cells.py`), numbers stay
numbers, and the text starts with a UTF-8 byte-order mark so Excel reads the Chinese as
UTF-8. tests/unit/test_csv_cells.py keeps the csv module out of every other module that
writes.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from ..domain.csv_cells import neutral_cell

BOM = "\ufeff"


def csv_text(columns: Sequence[str], rows: Iterable[Mapping]) -> str:
    """CSV with a header of `columns` and one line per row (missing keys empty), BOM first."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([neutral_cell(c) for c in columns])
    for row in rows:
        writer.writerow([neutral_cell(row.get(c)) for c in columns])
    return out.getvalue()
