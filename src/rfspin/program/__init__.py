"""Chip programs: export every device setting; rebuild a network from one."""

from .chip_program import (
    PROGRAM_SCHEMA,
    PROGRAM_VERSION,
    export_program,
    network_from_program,
    program_csv,
    read_program,
    validate_program,
    write_program,
    write_program_files,
)

__all__ = [
    "PROGRAM_SCHEMA",
    "PROGRAM_VERSION",
    "export_program",
    "network_from_program",
    "program_csv",
    "read_program",
    "validate_program",
    "write_program",
    "write_program_files",
]
