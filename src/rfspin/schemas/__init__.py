"""Explicit schemas for every file rfspin reads, and the one function that applies them.

The JSON Schema documents (draft 2020-12) are package data beside this module
(``chip_program.json``, ``devices.json``, ``network_spec.json``, ``run_metrics.json``,
``checkpoint.json``, ``common.json`` with the shared number types); readers that build their
schema from the library (the non-ideality TOML) pass a dict. :func:`validate` checks the nesting
depth without recursion, then validates with :mod:`jsonschema` and turns the first error into an
:class:`~rfspin.errors.RfspinError` naming the JSON path, the value and what is allowed. The checks
a schema cannot express (sizes against layer shapes, band membership, J x K consistency,
bookkeeping ranges) live in :mod:`rfspin.schemas.semantic` and run right after it.
"""

from .core import SCHEMA_NAMES, check_identity, check_nesting, document_path, load_schema, validate

__all__ = ["SCHEMA_NAMES", "check_identity", "check_nesting", "document_path", "load_schema", "validate"]
