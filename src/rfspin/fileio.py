"""Safe files: atomic writing (temp file + rename) and guarded JSON reading.

A crash or a bad value never leaves a half-written file behind: :func:`atomic_write` writes
``.NAME.XXXXXXXX.tmp`` next to the target and renames it; a temp file left by a killed process is
removed the next time that target is written, and :func:`clean_stale_temp_files` clears a whole
folder when it is (re)opened. :func:`read_json` refuses files larger than :data:`MAX_JSON_BYTES`,
nested deeper than :data:`MAX_JSON_DEPTH` (checked without recursion, before parsing), and the
non-standard constants NaN / Infinity (numbers beyond float range become inf, which every
schema in :mod:`rfspin.schemas` refuses).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import RfspinError, RfspinFileNotFoundError

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "atomic_write",
    "atomic_write_text",
    "atomic_write_json",
    "clean_stale_temp_files",
    "to_jsonable",
    "read_json",
    "parse_json_text",
    "nesting_depth",
]

#: Largest JSON file rfspin reads [bytes] (a 784-1000-10 chip program is ~90 MB).
MAX_JSON_BYTES = 256 * 2**20
#: Deepest nesting of arrays / objects accepted (rfspin's own files use at most 6).
MAX_JSON_DEPTH = 32

# mkstemp names: ".<target name>." + 8 characters of [a-z0-9_] + ".tmp"
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp$")


def clean_stale_temp_files(folder: str | Path) -> list[Path]:
    """Remove the temp files that interrupted atomic writes left in ``folder``; return them.

    Call it when a run or plot folder is (re)opened; a missing folder is left alone.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for entry in folder.iterdir():
        if _TEMP_NAME.match(entry.name) and entry.is_file():
            try:
                entry.unlink()
                removed.append(entry)
            except FileNotFoundError:  # another process cleaned it first
                pass
    return removed


def _remove_stale_temps_of(path: Path) -> None:
    """Temp files of earlier, interrupted writes of this very target."""
    for entry in path.parent.glob(f".{_glob_escape(path.name)}.*.tmp"):
        if _TEMP_NAME.match(entry.name) and entry.is_file():
            try:
                entry.unlink()
            except FileNotFoundError:
                pass


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def atomic_write(path: str | Path, write: Callable[[Any], None], *, binary: bool = True) -> Path:
    """Call ``write(fileobj)`` on a temp file next to ``path``, then rename it onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps_of(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text), binary=False)


_INTS = frozenset({int, bool})


def _plain_number_list(obj: list) -> bool:
    """True for a list of finite plain floats, or of plain ints/bools: to_jsonable returns it as is.

    Checked at C speed (``map``/``sum``) instead of one recursive call per number (a chip program
    holds ~10^5 floats): a sum of floats is finite only if every term is (inf and NaN propagate).
    """
    types = set(map(type, obj))
    if types == {float}:
        return math.isfinite(sum(obj))
    return bool(types) and types <= _INTS


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types; tensors and arrays become lists. Non-finite floats are refused.

    Lists that already hold only plain numbers are returned as they are (shared, not copied).
    """
    if hasattr(obj, "tolist") and callable(obj.tolist):
        return to_jsonable(obj.tolist())
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if type(obj) is list and _plain_number_list(obj):
        return obj
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        raise RfspinError(f"refusing to write the non-finite number {obj!r} to JSON")
    if isinstance(obj, Path):
        return str(obj)
    return obj


def atomic_write_json(path: str | Path, obj: Any, *, compact: bool = False) -> Path:
    """``obj`` as JSON (atomic), indented for people to read; ``compact=True`` for large files.

    ``compact`` writes one line without spaces, through json's C encoder: ``indent`` switches json
    to its pure-Python encoder, ~0.35 s for a drone chip program (3.9 MB indented, 2.0 MB compact).
    """
    if compact:
        text = json.dumps(to_jsonable(obj), separators=(",", ":"), allow_nan=False) + "\n"
    else:
        text = json.dumps(to_jsonable(obj), indent=2, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_depth(data: bytes) -> int:
    """Deepest nesting of ``[``/``{`` in JSON text (brackets inside strings ignored), without recursion."""
    import numpy as np

    brackets = np.frombuffer(_STRING.sub(b"", data).translate(None, _NOT_BRACKETS), dtype=np.uint8)
    step = np.where(brackets % 4 == 3, 1, -1).astype(np.int32)  # "[" 91, "{" 123 open; "]" 93, "}" 125 close
    return int(np.cumsum(step).max(initial=0))


_CONSTANT = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|(NaN|-?Infinity)')


def _no_constant(name: str):
    raise _NonFinite(name)


class _NonFinite(Exception):
    pass


def _locate_constant(raw: bytes) -> str:
    """'line L column C' of the first NaN / Infinity outside strings."""
    for match in _CONSTANT.finditer(raw):
        if match.group(1):
            line = raw.count(b"\n", 0, match.start()) + 1
            column = match.start() - (raw.rfind(b"\n", 0, match.start()) + 1) + 1
            return f"line {line} column {column}"
    return "somewhere"


def parse_json_text(data: bytes | str, where: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON text with the guards of :func:`read_json`; errors start with ``where``."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    depth = nesting_depth(raw)
    if depth > max_depth:
        raise RfspinError(f"{where}: nested {depth} levels deep; at most {max_depth} are allowed")
    try:
        text = raw.decode("utf-8-sig")
        return json.loads(text, parse_constant=_no_constant)
    except _NonFinite as exc:
        raise RfspinError(f"{where}: {exc} at {_locate_constant(raw)} is not allowed: numbers must be finite") from None
    except UnicodeDecodeError as exc:
        raise RfspinError(f"{where} is not valid JSON (not UTF-8 text: {exc.reason} at byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an integer with too many digits
        raise RfspinError(f"{where} is not valid JSON ({str(exc)[:200]})") from None


def read_json(path: str | Path, what: str, *, max_bytes: int | None = None) -> Any:
    """Parse a JSON file; FileNotFoundError / RfspinError naming ``what`` and the path.

    Refused before parsing: files over ``max_bytes`` (default :data:`MAX_JSON_BYTES`), nesting
    deeper than :data:`MAX_JSON_DEPTH`; while parsing: the constants NaN and Infinity. A number
    too large for a float (``1e999``) parses as inf: the schemas refuse it with its path.
    """
    path = Path(path)
    where = f"{what} {str(path)!r}"
    if not path.is_file():
        raise RfspinFileNotFoundError(f"{where} does not exist")
    limit = MAX_JSON_BYTES if max_bytes is None else max_bytes
    size = path.stat().st_size
    if size > limit:
        raise RfspinError(f"{where} is {size:,} bytes; files over {limit:,} bytes are refused")
    return parse_json_text(path.read_bytes(), where)


#: Largest TOML file read (experiment, sweep, search and non-ideality files) [bytes].
MAX_TOML_BYTES = 2**20
_MAX_TOML_DEPTH = 32


def read_toml(path: str | Path, what: str) -> dict:
    """The parsed TOML file ``path``; one-line errors for a missing, huge, deep or malformed file."""
    path = Path(path)
    if not path.is_file():
        raise RfspinFileNotFoundError(f"{what} {str(path)!r} does not exist")
    size = path.stat().st_size
    if size > MAX_TOML_BYTES:
        raise RfspinError(f"{path}: {size:,} bytes; {what} files over {MAX_TOML_BYTES:,} bytes are refused")
    raw = path.read_bytes()
    depth = nesting_depth(raw)  # an upper bound for TOML: refuse before the recursive parser sees it
    if depth > _MAX_TOML_DEPTH:
        raise RfspinError(f"{path}: nested {depth} levels deep; at most {_MAX_TOML_DEPTH} are allowed")
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RfspinError(f"{path}: not valid TOML (not UTF-8 text: {exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RfspinError(f"{path}: not valid TOML ({exc})") from None
