"""Tasks (data + network + budget for each reference result) and run folders."""

from . import generic, mnist  # noqa: F401  (register the table tasks; the mnist tasks and leroux2022)
from .experiment import (
    build_network_for,
    evaluate_run,
    load_run_model,
    plot_run,
)
from .registry import TASKS, Task, register_task, task_for, task_names
from .run import run_training
from .run_config import RunConfig

__all__ = [
    "TASKS",
    "RunConfig",
    "Task",
    "build_network_for",
    "evaluate_run",
    "load_run_model",
    "plot_run",
    "register_task",
    "run_training",
    "task_for",
    "task_names",
]
