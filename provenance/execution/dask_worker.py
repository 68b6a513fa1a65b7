"""Set-up of the worker processes of the LocalCluster ``scan --engine dask`` starts (a
Dask preload module: Dask calls :func:`dask_setup` in each worker as it starts, restarted
workers included).

A terminal's Ctrl-C reaches the whole process group, workers included. The parent
starts them with SIGINT ignored, but polars installs its own SIGINT handler when first
imported, which would make every worker fail its running task with a traceback. So the
workers ignore SIGINT again once polars is imported
(:func:`~provenance.execution.local.ignore_interrupts`, as the local engine's workers
do): the parent alone reacts to Ctrl-C, by cancelling the work and closing the cluster.
"""

from __future__ import annotations

from provenance.execution.local import ignore_interrupts

__all__ = ["dask_setup"]


def dask_setup(worker: object) -> None:
    """Called by Dask in each new worker process."""
    ignore_interrupts()
