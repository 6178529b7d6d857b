"""Data sets encoded as RF tone powers."""

from .datasets import (
    DRONE_CLASSES,
    RFDataset,
    load_digits,
    load_drone,
    load_nonlinear2d,
    load_spectra_file,
    stratified_split,
)

__all__ = [
    "DRONE_CLASSES",
    "RFDataset",
    "load_digits",
    "load_drone",
    "load_nonlinear2d",
    "load_spectra_file",
    "stratified_split",
]
