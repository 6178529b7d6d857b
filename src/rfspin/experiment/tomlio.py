"""TOML in and out for experiment files: guarded reading, a small writer, ``--set`` literals.

Python reads TOML (:mod:`tomllib`) but does not write it; the documents written here are plain
(nested tables of booleans, numbers, strings and arrays of them), so a short writer suffices.
"""

from __future__ import annotations

import json
import math
import tomllib

from ..errors import RfspinError
from ..fileio import MAX_TOML_BYTES, read_toml

__all__ = ["MAX_TOML_BYTES", "apply_setting", "dumps_toml", "parse_literal", "read_toml"]

def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            raise RfspinError("cannot write NaN to an experiment file")
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise RfspinError(f"cannot write a {type(value).__name__} to an experiment file")


def _key(key: str) -> str:
    return key if key and all(c.isalnum() or c in "_-" for c in key) else json.dumps(key)


def dumps_toml(doc: dict, header: str = "") -> str:
    """``doc`` (nested dicts of plain values) as TOML text: scalars first, then each table."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]

    def table(node: dict, path: list[str]) -> None:
        scalars = [(k, v) for k, v in node.items() if not isinstance(v, dict)]
        tables = [(k, v) for k, v in node.items() if isinstance(v, dict)]
        if path and (scalars or not tables):
            lines.append("")
            lines.append("[" + ".".join(_key(p) for p in path) + "]")
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars)
        for k, v in tables:
            table(v, [*path, k])

    table(doc, [])
    return "\n".join(lines).lstrip("\n") + "\n"


def parse_literal(text: str):
    """A TOML literal (``0.01``, ``true``, ``[64, 32]``, ``"wine"``); a bare word is a string."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        if text and all(c.isalnum() or c in "_-./:+" for c in text) and not text[0].isdigit():
            return text
        raise RfspinError(f"--set value {text!r} is not a TOML literal (numbers, true/false, \"strings\", "
                          "[arrays])") from None


def apply_setting(doc: dict, setting: str) -> dict:
    """A copy of ``doc`` with ``KEY.PATH=VALUE`` set (the tables on the path are created)."""
    key, eq, text = setting.partition("=")
    parts = [p.strip() for p in key.split(".")]
    if not eq or not all(parts):
        raise RfspinError(f"--set {setting!r}: expected SECTION.KEY=VALUE, e.g. training.learning_rate=0.01")
    out = _copy(doc)
    node = out
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise RfspinError(f"--set {setting!r}: {part!r} is a value, not a table")
        node = child
    node[parts[-1]] = parse_literal(text.strip())
    return out


def _copy(doc):
    return {k: _copy(v) for k, v in doc.items()} if isinstance(doc, dict) else doc
