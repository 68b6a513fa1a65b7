"""Run the same pure stage functions on a Dask cluster (``scan --engine dask``).

:class:`DaskExecutor` has exactly the interface of
:class:`~provenance.execution.local.LocalExecutor`: an ordered ``map(function, items)``
whose results come back *in input order*, so the parent's single SQLite writer sees the
same sequence of batches whichever engine computed them, and the index (hence every
report) is byte-identical to the local engine's. Nothing about matching is written
here: the functions mapped are the ones the local engine runs
(:func:`~provenance.pipeline.batch.process_batch` and friends).

Where the work runs:

* without ``scheduler``, a :class:`distributed.LocalCluster` of ``workers`` processes
  (one thread each, no dashboard, quiet logs) is started on first use and shut down on
  :meth:`DaskExecutor.close`;
* with ``scheduler="tcp://host:8786"``, the client connects to a running cluster and
  leaves it running. Items are sent to the workers as values (documents already loaded
  by the client), so workers need no access to the input files.

Failure handling leans on Dask because the tasks are pure: a worker that dies mid-task
has its task rescheduled on another worker (up to the scheduler's ``allowed-failures``),
and a task that raises is retried ``retries`` times; either way the result is the same.
On any error or Ctrl-C the futures still pending are cancelled; the parent has written
only complete batches by then.

Dask is an optional extra; without it, creating the executor raises
:class:`~provenance.errors.ConfigError` with the install command (exit 2 in the CLI).

Example::

    with DaskExecutor(workers=2) as executor:
        for batch in executor.map(functools.partial(process_batch, config=config), chunks):
            write_batch(index, batch)
"""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self, TypeVar

from provenance.errors import ConfigError

if TYPE_CHECKING:  # only for type checkers: Dask is optional at run time
    from distributed import Client, Future, LocalCluster

__all__ = ["INSTALL_HINT", "DaskExecutor", "require_dask"]

INSTALL_HINT = "pip install 'passage-provenance[dask]'"

#: Retries of a task that raised (a dead worker is handled by the scheduler separately).
DEFAULT_RETRIES = 2

Item = TypeVar("Item")
Result = TypeVar("Result")


def require_dask() -> None:
    """Raise :class:`ConfigError` naming the install command when ``distributed`` is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"--engine dask needs Dask, which is not installed ({exc.name or 'distributed'} missing); "
            f"install it with: {INSTALL_HINT}"
        ) from None


class DaskExecutor:
    """Ordered ``map`` on a Dask cluster: a fresh LocalCluster or an existing scheduler.

    ``workers`` is the LocalCluster's process count (ignored with ``scheduler``, where the
    cluster's own threads decide). At most ``2 * threads + prefetch`` items are in flight,
    so client memory stays bounded by the batch size however long the stream is.
    ``function`` must be picklable by cloudpickle (a module-level function or a
    ``functools.partial`` of one).
    """

    def __init__(self, workers: int = 1, scheduler: str | None = None, *, prefetch: int = 2,
                 retries: int = DEFAULT_RETRIES) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        require_dask()
        self.workers = workers
        self.scheduler = scheduler
        self.prefetch = max(0, prefetch)
        self.retries = retries
        self._client: Client | None = None
        self._cluster: LocalCluster | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def started(self) -> bool:
        """Whether a client (and, without ``scheduler``, a cluster) is running."""
        return self._client is not None

    @property
    def client(self) -> Client:
        """The Dask client, connecting (or starting the LocalCluster) on first use."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def close(self) -> None:
        """Close the client and stop the LocalCluster we started (never a remote one)."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """``function(item)`` for each item, in input order, computed on the cluster."""
        iterator = iter(items)
        first = next(iterator, _END)
        if first is _END:  # nothing to do: do not start a cluster for it
            return
        client = self.client
        limit = 2 * self._threads(client) + self.prefetch
        # Explicit keys: tokenising whole batches of documents for Dask's default key
        # would cost a pass over their text, and equal batches must not share a result
        # that a cancelled run may have released.
        name = _task_name(function)
        run = uuid.uuid4().hex[:12]
        pending: deque[Future] = deque()
        number = 0

        def submit(item: Any) -> None:
            nonlocal number
            pending.append(client.submit(function, item, key=f"{name}-{run}-{number}", retries=self.retries, pure=False))
            number += 1

        try:
            submit(first)
            for item in iterator:
                while len(pending) >= limit:
                    yield self._result(pending.popleft())
                submit(item)
            while pending:
                yield self._result(pending.popleft())
        except BaseException:
            if pending:
                client.cancel(list(pending), force=True)
            raise

    def _result(self, future: Future) -> Any:
        result = future.result()
        future.release()  # the client holds the value now; let the worker forget it
        return result

    def _threads(self, client: Client) -> int:
        info = client.scheduler_info()
        threads = sum(worker.get("nthreads", 1) for worker in info.get("workers", {}).values())
        return max(1, threads or self.workers)

    def _connect(self) -> Client:
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                client = Client(self.scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise ConfigError(
                    f"cannot reach the Dask scheduler at {self.scheduler!r} ({exc}); check --scheduler "
                    "(e.g. tcp://host:8786) or leave it out to start a local cluster"
                ) from None
            return client
        with _workers_ignore_interrupts():
            self._cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR, host="127.0.0.1",
            )
        return Client(self._cluster)


@contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """Spawn the LocalCluster's worker processes with SIGINT ignored, then restore ours.

    A terminal's Ctrl-C reaches the whole process group: the workers would each print a
    KeyboardInterrupt traceback. An ignored signal stays ignored across ``exec`` and
    Python then installs no handler, so only this process reacts: it cancels the
    futures and closes the cluster.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _task_name(function: Callable[..., Any]) -> str:
    """A readable key prefix for Dask's task stream: the function, or what it wraps."""
    inner = getattr(function, "func", None) or getattr(function, "function", None)
    return getattr(function, "__name__", None) or getattr(inner, "__name__", None) or type(function).__name__


_END = object()
