"""Experiments at scale: sweeps of experiment keys x seeds (Ray or sequential) and searches (Optuna).

See docs/experiments.md. Ray and Optuna are optional (``pip install 'rfspin[scale]'``): they are
imported only when a sweep or a search runs on them.
"""

from .plan import SweepPlan, Trial, load_sweep, plan_from_dict
from .sweep import BACKENDS, SweepOutcome, run_sweep, summarise
from .trial import PID_FILE, finished_result, run_trial

__all__ = ["BACKENDS", "PID_FILE", "SweepOutcome", "SweepPlan", "Trial", "finished_result", "load_sweep",
           "plan_from_dict", "run_sweep", "run_trial", "summarise"]
