"""Reading measured curves from CSV files, with errors that name the file, line and value.

Format: a header row naming the columns (extra columns are ignored, order is free), then one
numeric row per point, e.g. ``frequency_hz,voltage_v``. Blank lines and lines starting with ``#``
are skipped (instrument comments).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from ..errors import RfspinError, RfspinFileNotFoundError

__all__ = ["read_columns", "read_table"]


def read_table(path: str | Path, *, min_rows: int = 1) -> tuple[list[str], np.ndarray]:
    """(lower-case header names, float64 array rows x columns) of a numeric CSV file.

    Rejects: missing file, empty file, non-numeric or non-finite cells, ragged rows, fewer than
    ``min_rows`` data rows; every error names the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise RfspinFileNotFoundError(f"measurement file {str(path)!r} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RfspinError(f"{path}: not a text CSV file ({exc})") from exc
    rows = [
        (n, row)
        for n, row in enumerate(csv.reader(text.splitlines()), start=1)
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        raise RfspinError(f"{path}: empty file; expected a header row and numeric rows")
    names = [c.strip().lower() for c in rows[0][1]]
    values = np.empty((len(rows) - 1, len(names)))
    for r, (n, row) in enumerate(rows[1:]):
        if len(row) != len(names):
            raise RfspinError(f"{path}: line {n}: {len(row)} cells, the header has {len(names)}")
        for c, cell in enumerate(row):
            try:
                value = float(cell.strip())
            except ValueError:
                raise RfspinError(f"{path}: line {n}: {names[c]} = {cell.strip()!r} is not a number") from None
            if not math.isfinite(value):
                raise RfspinError(f"{path}: line {n}: {names[c]} = {cell.strip()!r} is not finite")
            values[r, c] = value
    if values.shape[0] < min_rows:
        raise RfspinError(f"{path}: {values.shape[0]} data rows; at least {min_rows} are needed")
    return names, values


def read_columns(path: str | Path, columns: tuple[str, ...], *, min_rows: int = 3) -> dict[str, np.ndarray]:
    """The named float64 columns of a CSV file (extra columns ignored); ValueError when malformed."""
    names, values = read_table(path, min_rows=0)
    missing = [c for c in columns if c not in names]
    if missing:
        raise RfspinError(f"{path}: header {names!r} lacks column(s) {missing}; "
                         f"expected a header row with {', '.join(columns)}")
    if values.shape[0] < min_rows:
        raise RfspinError(f"{path}: {values.shape[0]} data rows; at least {min_rows} are needed for a fit")
    return {c: values[:, names.index(c)].copy() for c in columns}
