"""The batched telegraph engine behind :func:`rfspin.dynamics.simulate_telegraph` (internal).

Both simulation methods share one event loop over M independent junctions (the flattened
(trials, devices) batch). Time is counted in units of the time step, in float64:

- "steps": the discrete-time chain sampled every time step, with the exact per-step switching
  probabilities p_s = P(s -> s' in dt). Instead of one Bernoulli draw per junction and step, the
  number of steps to the next switch is drawn directly, G = 1 + floor(E / -ln(1 - p_s)) with
  E ~ Exp(1) (geometric: P(G > g) = (1 - p_s)^g): the same Markov chain in distribution, at a
  cost proportional to the number of switches rather than of steps.
- "events": continuous time, exponential dwell times tau_s * Exp(1) (Gillespie).

A pending waiting time is redrawn whenever the current changes (exact by memorylessness), so
both methods handle piecewise-constant currents. Each round processes, for all junctions whose
next switch falls inside the current chunk of time, one switch with a fixed number of tensor
operations (gather, toggle, bookkeeping, one new draw); the candidates of the next round are
only the junctions that just switched. Traces are built per chunk from the switch times: a
switch at time x toggles every record r with r k >= x (parity of a cumulative count).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["EngineOutput", "run_engine"]

#: Elements of the (records x junctions) toggle grid built per chunk (bounds the chunk's memory).
_CHUNK_GRID = 1 << 22
#: Chunks of time pace the progress bar (at least _CHUNKS_PER_SEGMENT per segment) but each holds
#: at least _CHUNK_EVENT_FILL of one round's events per junction: fewer chunks, fewer rounds.
_CHUNKS_PER_SEGMENT = 16
_CHUNK_EVENT_FILL = 0.75
#: From this many junctions on, trace rows are filled by a loop of XORs rather than one scan.
_ROW_SCAN_MIN_JUNCTIONS = 4096
#: Most events drawn per junction in one round.
_MAX_EVENTS_PER_ROUND = 1024


def _alternating(n: int, device: torch.device) -> Tensor:
    """[False, True, False, ...] of length n: the parity of the dwell index."""
    return torch.arange(n, device=device).remainder_(2).bool()


@dataclass
class EngineOutput:
    state: Tensor  # (M,) bool: AP after the last step
    switches: Tensor  # (M,) int64
    exits_from_parallel: Tensor  # (M,) int64
    time_antiparallel: Tensor  # (M,) float64, in time steps
    trace: Tensor | None  # (R, M) bool
    dwell_steps: tuple[Tensor, Tensor, Tensor] | None  # durations (time steps), was-AP, junction index


def _fill_records(rows: Tensor, toggles: Tensor, start_state: Tensor) -> None:
    """Write ``rows`` (records, M) = start state XOR parity of the toggles (flat record * M + junction) so far."""
    counts = torch.zeros(rows.numel(), dtype=torch.uint8, device=rows.device)
    counts.index_put_((toggles,), torch.ones_like(toggles, dtype=torch.uint8), accumulate=True)
    odd = counts.view(rows.shape).bitwise_and_(1).bool()
    if rows.shape[1] >= _ROW_SCAN_MIN_JUNCTIONS:  # one XOR per record over many junctions
        previous = start_state
        for row, flips in zip(rows, odd):
            torch.bitwise_xor(previous, flips, out=row)
            previous = row
    else:  # few junctions: one scan (uint8 sums wrap modulo 256, which keeps the parity)
        rows.copy_(torch.cumsum(odd, 0, dtype=torch.uint8).bitwise_and_(1).bool() ^ start_state)


def _chunk_ends(start: int, end: int, length: int) -> list[int]:
    """Chunk boundaries in (start, end]: multiples of ``length``, then ``end``."""
    ends = list(range((start // length + 1) * length, end, length))
    return ends + [end]


def run_engine(
    *,
    method: str,
    n_steps: int,
    segments: list[tuple[int, int]],
    segment_coefficients: Callable[[int], tuple[Tensor, Tensor]],
    initial_state: Tensor,
    generator: torch.Generator,
    record_every: int | None,
    collect_dwell_times: bool,
    progress_bar,
) -> EngineOutput:
    """Simulate M junctions for ``n_steps`` steps.

    ``segments``: (start_step, end_step) of each constant-current piece, covering [0, n_steps).
    ``segment_coefficients(j)``: for segment j, per-junction (M,) float64 coefficients of the
    waiting-time law out of P and out of AP: ln(1 - p_s) for "steps" (0 when p_s = 0), the mean
    dwell time in steps tau_s / dt for "events" (inf for a frozen state).
    """
    device = initial_state.device
    m = initial_state.numel()
    f64 = torch.float64
    state = initial_state.clone()
    next_switch = torch.full((m,), math.inf, dtype=f64, device=device)
    entered = torch.zeros(m, dtype=f64, device=device)
    time_ap = torch.zeros(m, dtype=f64, device=device)
    switches = torch.zeros(m, dtype=torch.int64, device=device)
    exits_p = torch.zeros(m, dtype=torch.int64, device=device)
    k = record_every
    trace = torch.empty((n_steps // k, m), dtype=torch.bool, device=device) if k else None
    dwell_parts: list[tuple[Tensor, Tensor, Tensor]] = []
    events_per_round = max(1, min(_MAX_EVENTS_PER_ROUND, _CHUNK_GRID // m))

    def waits(antiparallel: Tensor, index: Tensor, coef_p: Tensor, coef_ap: Tensor) -> Tensor:
        coef = torch.where(antiparallel, coef_ap[index], coef_p[index])
        # -ln U ~ Exp(1); no separate log op, which torch parallelises even for small tensors
        draws = torch.empty(coef.shape, dtype=f64, device=device).exponential_(generator=generator)
        if method == "steps":
            return torch.where(coef < 0, torch.floor(draws / -coef) + 1.0, math.inf)
        return torch.where(torch.isinf(coef), math.inf, draws * coef)

    all_junctions = torch.arange(m, device=device)
    for seg, (seg_start, seg_end) in enumerate(segments):
        coef_p, coef_ap = segment_coefficients(seg)
        # expected switches per step of each junction (harmonic mean of the two exit rates)
        if method == "steps":
            exit_p, exit_ap = -torch.expm1(coef_p), -torch.expm1(coef_ap)
        else:
            exit_p, exit_ap = 1.0 / coef_p, 1.0 / coef_ap
        switch_rate = torch.nan_to_num(2.0 * exit_p * exit_ap / (exit_p + exit_ap), nan=0.0)
        # chunk length: a 16th of the segment, or one round's events of the average junction if longer
        mean_rate = float(switch_rate.mean())
        chunk_length = -(-(seg_end - seg_start) // _CHUNKS_PER_SEGMENT)
        if mean_rate > 0:
            chunk_length = max(chunk_length, math.ceil(_CHUNK_EVENT_FILL * events_per_round / mean_rate))
        if k:
            chunk_length = min(chunk_length, k * max(1, _CHUNK_GRID // m))
        chunk_length = max(1, chunk_length)
        next_switch = seg_start + waits(state, all_junctions, coef_p, coef_ap)
        chunk_start = seg_start
        for chunk_end in _chunk_ends(seg_start, seg_end, chunk_length):
            start_state = state.clone() if k else None
            toggles: list[Tensor] = []
            first_record = chunk_start // k + 1 if k else 0  # 1-based index of the first record in the chunk
            n_records = chunk_end // k - chunk_start // k if k else 0
            candidates = torch.nonzero(next_switch <= chunk_end).squeeze(1)
            while candidates.numel():
                # switch times of the next E events of each candidate: the pending one, then E fresh waits
                expected = (chunk_end - next_switch[candidates]) * switch_rate[candidates]
                cap = max(1, min(_MAX_EVENTS_PER_ROUND, _CHUNK_GRID // candidates.numel()))  # memory bound
                n_events = int(min(cap, math.ceil(float(expected.mean())) + 1))
                was_ap = state[candidates, None] ^ _alternating(n_events + 1, device)  # state during each dwell
                fresh = waits(was_ap[:, 1:], candidates[:, None], coef_p, coef_ap)
                times = torch.cat([next_switch[candidates, None], fresh], 1).cumsum_(1)
                valid = times[:, :n_events] <= chunk_end  # a prefix of each row
                n_valid = valid.sum(1)
                dwell = torch.cat([times[:, :1] - entered[candidates, None], fresh[:, :-1]], 1)
                was_ap = was_ap[:, :n_events]
                time_ap.index_add_(0, candidates, torch.where(was_ap & valid, dwell, 0.0).sum(1))  # no inf * 0
                exits_p.index_add_(0, candidates, (~was_ap & valid).sum(1))
                switches.index_add_(0, candidates, n_valid)
                if collect_dwell_times:
                    dwell_parts.append((dwell[valid], was_ap[valid], candidates[:, None].expand_as(valid)[valid]))
                if n_records:
                    when = times[:, :n_events][valid]
                    # a switch at x shows from record ceil(x / k) on (clamped: x may equal the chunk start)
                    record = (torch.ceil(when / k).long() - first_record).clamp_(min=0)
                    seen = record < n_records
                    junction = candidates[:, None].expand_as(valid)[valid]
                    toggles.append(record[seen] * m + junction[seen])
                state[candidates] ^= (n_valid % 2).bool()
                entered[candidates] = times.gather(1, (n_valid - 1).clamp_(min=0)[:, None]).squeeze(1)
                next_switch[candidates] = times.gather(1, n_valid[:, None]).squeeze(1)
                again = (n_valid == n_events) & (next_switch[candidates] <= chunk_end)
                candidates = candidates[again]
            if n_records:
                flat = torch.cat(toggles) if toggles else torch.empty(0, dtype=torch.long, device=device)
                _fill_records(trace[first_record - 1 : first_record - 1 + n_records], flat, start_state)
            if progress_bar is not None:
                progress_bar.update(chunk_end - chunk_start)
            chunk_start = chunk_end
    time_ap += (n_steps - entered) * state  # the last, unfinished dwell
    dwell_steps = None
    if collect_dwell_times:
        if dwell_parts:
            dwell_steps = tuple(torch.cat(part) for part in zip(*dwell_parts))
        else:
            empty = torch.empty(0, device=device)
            dwell_steps = (empty.to(f64), empty.bool(), empty.long())
    return EngineOutput(state, switches, exits_p, time_ap, trace, dwell_steps)
