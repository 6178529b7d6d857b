"""Provenance of a run: which code, libraries and machine produced it."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

__all__ = ["collect_provenance", "git_commit"]


def git_commit(folder: str | Path | None = None) -> str | None:
    """The git commit of the rfspin sources (with ``-dirty`` when modified), or None outside a checkout."""
    folder = Path(folder) if folder is not None else Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=folder,
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (commit + ("-dirty" if dirty else "")) or None


def collect_provenance() -> dict:
    """rfspin version, git commit (None when not available), torch version, platform, python."""
    import torch

    from .. import __version__

    return {"rfspin_version": __version__, "git_commit": git_commit(), "torch_version": torch.__version__,
            "platform": platform.platform(), "python": sys.version.split()[0]}
