"""The Ray session of a sweep or search: an existing instance, a cluster (``address``) or a new local one."""

from __future__ import annotations

from contextlib import contextmanager

from ..errors import RfspinError

__all__ = ["ray_session"]


@contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None):
    """Yield the ``ray`` module, initialised: reuse a running session, else connect to ``address``
    ('auto' or HOST:PORT of ``ray start --head``), else start a local instance with ``num_cpus``;
    what this call started is shut down on exit."""
    try:
        import ray
    except ImportError:
        raise RfspinError("Ray is not installed: pip install 'rfspin[scale]' (or use --backend local / optuna)") \
            from None
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=address, num_cpus=None if address else num_cpus, include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
        except ConnectionError as exc:
            raise RfspinError(f"--address {address!r}: no Ray cluster there ({exc})") from None
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()
