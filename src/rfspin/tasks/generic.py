"""Tasks over data nobody tuned for: operating points chosen from the training data's statistics.

A user's spectra file, or a public table, has its own scale and number of tones, so the drone
task's hand-tuned input power would leave the hidden oscillators off or clamped. Here the
operating point is set from the data, with no per-set tuning:

- input power P [W per normalised unit]: the hidden chain voltage is linear in P
  (V_j = P sum_i x_i W_ji, Ross et al., Nat. Nanotechnol. 18, 1273 (2023), eq. 1), so one pass
  at a reference power measures the per-chain spread of V over training samples; P is scaled so
  that the median spread is ``SPREAD_FRACTION`` of the neurons' working window
  (threshold to clamp, (zeta - 1) I_th / g_m). 0.37 is the drone task's hand-tuned point
  (0.3 uW: 3.3 mV spread in an 8.8 mV window).
- readout scale [V per logit]: the output chains' median spread over samples divided by
  ``LOGIT_SPREAD`` (3 logits; the drone and digits tasks sit at 2 and 4).
- optionally (``centre_biases``) every neuron-feeding chain's DC bias is set so its mean voltage
  sits mid-window (:func:`rfspin.nn.operating_point.set_operating_points_`).

The spreads are measured on the network of seed 0 at a fixed batch of training rows, so the
operating point depends on the data only, not on the run's seed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from ..data.datasets import RFDataset
from ..data.tables import TABLES, load_table
from ..errors import RfspinError
from ..nn.engine import LayerHooks
from ..nn.network import NetworkSpec, RFNetwork, SpecFields
from ..nn.operating_point import set_operating_points_
from ..train.trainer import TrainConfig
from .registry import Task, register_task

__all__ = [
    "LOGIT_SPREAD",
    "SPREAD_FRACTION",
    "AutoOperatingPoint",
    "auto_task",
    "generic_task",
    "operating_point",
]

SPREAD_FRACTION = 0.37
LOGIT_SPREAD = 3.0
#: Training rows used to measure the spreads (the first ones of the training split).
OPERATING_SAMPLES = 512
_REFERENCE_POWER = 1e-6  # W; any value in the linear range works (V is linear in P)


@dataclass(frozen=True)
class AutoOperatingPoint:
    """Which parts of the operating point come from the data (False: the spec's value is kept)."""

    input_power: bool = True
    readout_scale: bool = True
    centre_biases: bool = False


class _Spreads(LayerHooks):
    """Records the median over chains of each chain layer's spread (std over samples) [V]."""

    def __init__(self) -> None:
        self.hidden: float | None = None
        self.output: float | None = None

    def record(self, site, powers: Tensor, tone_frequencies, voltages: Tensor) -> None:
        spread = float(voltages.double().std(0).median()) if voltages.shape[0] > 1 else 0.0
        if site.is_output:
            self.output = spread
        elif self.hidden is None:
            self.hidden = spread


def _spreads(spec: NetworkSpec, inputs: Tensor) -> _Spreads:
    model = RFNetwork(spec, generator=torch.Generator().manual_seed(0))
    hooks = _Spreads()
    with torch.no_grad():
        model.forward_powers(model.input_powers(inputs), hooks=hooks)
    return hooks


def operating_point(data: RFDataset, spec: NetworkSpec, auto: AutoOperatingPoint = AutoOperatingPoint()) -> NetworkSpec:
    """``spec`` with the input power and readout scale chosen from ``data``'s training rows."""
    inputs = data.x_train[:OPERATING_SAMPLES].double()
    if inputs.shape[0] < 2:
        raise RfspinError("at least 2 training rows are needed to choose an operating point")
    if auto.input_power and len(spec.sizes) > 2:
        probe = _spreads(replace(spec, input_power=_REFERENCE_POWER), inputs)
        if not probe.hidden or probe.hidden <= 0.0:
            raise RfspinError("the training rows do not vary; no input power makes the hidden neurons respond")
        osc = spec.oscillator
        window = (osc.max_current_ratio - 1.0) * osc.threshold_current / osc.transconductance
        spec = replace(spec, input_power=_REFERENCE_POWER * SPREAD_FRACTION * window / probe.hidden)
    if auto.readout_scale:
        probe = _spreads(spec, inputs)
        if not probe.output or probe.output <= 0.0:
            raise RfspinError("the output chains do not vary over the training rows")
        spec = replace(spec, readout_scale=probe.output / LOGIT_SPREAD)
    return spec


def _builder(fields: SpecFields, auto: AutoOperatingPoint):
    def build(data: RFDataset, hidden: tuple[int, ...], seed: int) -> RFNetwork:
        kwargs = fields.as_kwargs()
        if data.input_frequencies is not None:
            kwargs["input_frequencies"] = tuple(data.input_frequencies.tolist())
        try:
            spec = operating_point(data, NetworkSpec(sizes=(data.n_features, *hidden, data.n_classes), **kwargs), auto)
        except RfspinError as exc:  # name the data (a user's file by its path)
            where = data.source if str(data.source).endswith((".npz", ".h5", ".hdf5")) else data.name
            raise RfspinError(f"{where}: automatic operating point: {exc}") from None
        model = RFNetwork(spec, generator=torch.Generator().manual_seed(seed))
        if auto.centre_biases:
            set_operating_points_(model, data.x_train[:OPERATING_SAMPLES])
        return model

    build.auto_operating_point = auto  # marks a builder auto_task may replace
    return build


def auto_task(task: Task, auto: AutoOperatingPoint = AutoOperatingPoint(), spec: SpecFields | None = None) -> Task:
    """``task`` whose dense RF network takes its operating point from the data (``auto``)."""
    if task.build is not None and getattr(task.build, "auto_operating_point", None) is None:
        raise RfspinError(f"task {task.name!r} builds its own network: automatic operating points do not apply")
    fields = task.spec if spec is None else spec
    return replace(task, spec=fields, build=_builder(fields, auto))


#: Budgets of tasks over data nobody tuned for (small tables and user spectra).
GENERIC_RF = TrainConfig(epochs=100, batch_size=32, learning_rate=0.02)
GENERIC_BASELINE = TrainConfig(epochs=100, batch_size=32, learning_rate=0.01)
GENERIC_HIDDEN = (64,)


def generic_task(name: str, load, reference: str = "") -> Task:
    """A task with generic budgets and hidden width whose operating point comes from the data."""
    return auto_task(Task(name, load, hidden=GENERIC_HIDDEN, rf_config=GENERIC_RF, baseline_config=GENERIC_BASELINE,
                          reference=reference))


for _table in TABLES:
    register_task(generic_task(_table, lambda seed, data_dir=None, t=_table: load_table(t, seed=0),
                               reference="no published RF figure: compare with the software MLP (--baseline)"))
