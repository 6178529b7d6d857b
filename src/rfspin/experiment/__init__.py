"""Experiment configuration files: every knob of a run in one validated TOML document.

See docs/experiments.md. ``rfspin config show TASK`` prints a task's complete configuration,
``rfspin train --config FILE [--set KEY=VALUE ...]`` runs one; the run folder keeps the resolved
configuration (``experiment.toml``) and its hash and provenance (``experiment.json``).
"""

from .config import (
    build_run,
    config_hash,
    config_toml,
    default_config,
    load_config,
    resolve_config,
)
from .provenance import collect_provenance, git_commit
from .run import EXPERIMENT_JSON, EXPERIMENT_TOML, run_experiment
from .tomlio import apply_setting, dumps_toml, parse_literal, read_toml

__all__ = [
    "EXPERIMENT_JSON",
    "EXPERIMENT_TOML",
    "apply_setting",
    "build_run",
    "collect_provenance",
    "config_hash",
    "config_toml",
    "default_config",
    "dumps_toml",
    "git_commit",
    "load_config",
    "parse_literal",
    "read_toml",
    "resolve_config",
    "run_experiment",
]
