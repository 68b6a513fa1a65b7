"""Executors: run the pure per-document stages in this process or in worker processes.

The parent always owns the SQLite writer; executors only compute and return, in order.
"""

from provenance.execution.local import MAX_DEFAULT_WORKERS, LocalExecutor, default_workers

__all__ = ["MAX_DEFAULT_WORKERS", "LocalExecutor", "default_workers"]
