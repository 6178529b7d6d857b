"""Loading the packaged JSON schemas and validating documents against them (see the package docstring)."""

from __future__ import annotations

import functools
import itertools
import json
import math
from importlib import resources
from typing import Any

from ..errors import RfspinError

__all__ = ["SCHEMA_NAMES", "load_schema", "validate", "check_identity", "check_nesting", "document_path"]

#: Schemas shipped as ``<name>.json`` in this package; each has ``$id`` = ``urn:rfspin:<name>``.
SCHEMA_NAMES = ("common", "network_spec", "chip_program", "devices", "run_metrics", "checkpoint", "experiment")

#: Deepest nesting accepted in any validated document (rfspin's own files use at most 6).
MAX_DEPTH = 32
_MAX_REPR = 60


@functools.cache
def load_schema(name: str) -> dict:
    """The packaged schema ``name`` (one of :data:`SCHEMA_NAMES`) as a dict."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"no packaged schema {name!r}; have {SCHEMA_NAMES}")
    return json.loads(resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8"))


def _without_dialect(schema: dict) -> dict:
    """The schema without ``$schema``: jsonschema would otherwise switch to the stock draft 2020-12
    validator on every ``$ref`` into it and drop rfspin's type checker and keyword."""
    return {k: v for k, v in schema.items() if k != "$schema"}


@functools.cache
def _registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resources(
        (f"urn:rfspin:{name}", Resource.from_contents(_without_dialect(load_schema(name)),
                                                      default_specification=DRAFT202012))
        for name in SCHEMA_NAMES
    )


def document_path(parts) -> str:
    """``layers[0].damping`` for the parts ("layers", 0, "damping"); ``(top level)`` for none."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


_SCALARS = {int, float, str, bool, type(None)}


def check_nesting(document: Any, what: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse containers nested deeper than ``max_depth`` (iterative walk: no RecursionError)."""
    containers = (dict, list, tuple)
    stack = [(document, 0)] if isinstance(document, containers) else []
    while stack:
        node, depth = stack.pop()
        if depth >= max_depth:
            raise RfspinError(f"{what}: nested more than {max_depth} levels deep")
        children = node.values() if isinstance(node, dict) else node
        if not set(map(type, children)) <= _SCALARS:  # (a vector of numbers is skipped in one C pass)
            stack.extend((child, depth + 1) for child in children if isinstance(child, containers))


def _short(value: Any) -> str:
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=str)
    else:
        text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


_TYPE_NAMES = {"number": "a number", "integer": "an integer", "string": "a string", "array": "a list",
               "object": "an object (table)", "boolean": "true or false", "null": "null"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _reason(error) -> str:
    """What is allowed, in words, for one jsonschema error."""
    kind, bound, value = error.validator, error.validator_value, error.instance
    if kind == "type":
        wanted = [bound] if isinstance(bound, str) else list(bound)
        return f"must be {' or '.join(_TYPE_NAMES.get(t, t) for t in wanted)}, got {_json_type(value)}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kind]
        return f"must be {op} {bound:.8g}"
    if kind == "required":
        missing = [key for key in bound if key not in value]
        return f"missing key {missing[0]!r}" if missing else error.message
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(value) - set(allowed), key=str)
        if not extra:
            return error.message
        return f"unknown key {extra[0]!r}" + (f"; allowed: {allowed}" if allowed else "")
    if kind == "const":
        return f"must be {bound!r}"
    if kind == "enum":
        return f"must be one of {list(bound)}"
    if kind in ("minItems", "maxItems"):
        word = "at least" if kind == "minItems" else "at most"
        return f"must have {word} {bound} entries, has {len(value)}"
    if kind == "uniqueItems":
        return "entries must be unique"
    if kind in ("minLength", "maxLength"):
        return f"must have {'at least' if kind == 'minLength' else 'at most'} {bound} characters"
    if kind == "pattern":
        return f"must match {bound!r}"
    if kind == "propertyNames":
        return "has an invalid key"
    return error.message


_BOUNDS = (("minimum", ">=", "__ge__"), ("exclusiveMinimum", ">", "__gt__"),
           ("maximum", "<=", "__le__"), ("exclusiveMaximum", "<", "__lt__"))


def _number_array(validator, spec: dict, instance, schema):
    """Keyword ``rfspinNumbers`` {"dims": 1 | 2, "minimum" ...}: a dims-deep array of finite numbers
    within the bounds, checked with numpy (per-item JSON Schema validation of a 784 x 300 matrix
    would take a minute). Standard validators ignore the keyword."""
    import numpy as np
    from jsonschema.exceptions import ValidationError

    if not isinstance(instance, (list, tuple)):
        return
    matrix = spec.get("dims", 1) == 2
    rows = instance if matrix else [instance]
    for j, row in enumerate(rows):
        if not isinstance(row, (list, tuple)):
            yield ValidationError(f"must be a list, got {_json_type(row)}", path=[j], instance=row)
            return
    flat = list(itertools.chain.from_iterable(rows))
    starts = np.cumsum([0] + [len(row) for row in rows])

    def where(i: int) -> list:  # flat index -> JSON path inside the array
        j = int(np.searchsorted(starts, i, side="right")) - 1
        return [j, i - int(starts[j])] if matrix else [i]

    if not set(map(type, flat)) <= {int, float}:  # the slow search only when something is wrong
        i = next(i for i, v in enumerate(flat) if type(v) not in (int, float))
        yield ValidationError(f"must be a number, got {_json_type(flat[i])}", path=where(i), instance=flat[i])
        return
    values = np.asarray(flat, dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        yield ValidationError("must be a finite number", path=where(i), instance=flat[i])
        return
    for key, op, method in _BOUNDS:
        if key in spec:
            bad = ~getattr(values, method)(spec[key])
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                yield ValidationError(f"must be {op} {spec[key]:.8g}", path=where(i), instance=flat[i])
                return


@functools.cache
def _validator_class():
    """Draft 2020-12 where "integer" means a JSON integer (1.0 is not a count or an index), plus the
    ``rfspinNumbers`` keyword for large numeric arrays."""
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine_many({
        "integer": lambda _, value: isinstance(value, int) and not isinstance(value, bool),
        "array": lambda _, value: isinstance(value, (list, tuple)),  # in-memory documents hold tuples
    })
    return validators.extend(Draft202012Validator, {"rfspinNumbers": _number_array}, type_checker=checker)


def validate(document: Any, schema: str | dict, what: str) -> Any:
    """Validate ``document`` against ``schema`` (a packaged name or a schema dict); return it.

    Raises :class:`RfspinError` ``"<what>: <path> = <value>: <what is allowed>"`` for the most
    relevant violation (jsonschema's best match).
    """
    from jsonschema.exceptions import best_match

    check_nesting(document, what)
    schema_doc = _without_dialect(load_schema(schema) if isinstance(schema, str) else schema)
    error = best_match(_validator_class()(schema_doc, registry=_registry()).iter_errors(document))
    if error is None:
        return document
    parts = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})), key=str)
        if extra:  # name the unknown key itself
            raise RfspinError(f"{what}: {document_path([*parts, extra[0]])}: {_reason(error)}")
    if error.validator == "required":
        raise RfspinError(f"{what}: {document_path(parts)}: {_reason(error)}")
    raise RfspinError(f"{what}: {document_path(parts)} = {_short(error.instance)}: {_reason(error)}")


def check_identity(document: Any, schema_id: str, version: int, what: str, kind: str) -> None:
    """A versioned rfspin file: ``{"schema": schema_id, "version": version, ...}``, else a clear error."""
    if not isinstance(document, dict) or document.get("schema") != schema_id:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        raise RfspinError(f"{what}: not an rfspin {kind} (schema {_short(found)}, expected {schema_id!r})")
    if document.get("version") != version:
        raise RfspinError(
            f"{what}: version {_short(document.get('version'))} is not supported (expected {version})"
        )
