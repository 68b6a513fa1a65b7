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
  by the client), so workers need no access to the input files. :func:`check_scheduler`
  tries the address first (a TCP connect, a few seconds at most), so a wrong or dead
  address is a one-line :class:`~provenance.errors.ConfigError` before anything is
  written, not a long wait.

Staging: a :class:`~provenance.execution.shards.ShardedStage` (``scan --workdir DIR``)
keeps its shards in ``DIR``, which must then be visible to every worker (checked once:
a worker that cannot see it is a ``ConfigError`` naming it). Without a work directory,
the batch stage on a LocalCluster is staged in a temporary directory (which also holds
the cluster's scratch space) that :meth:`DaskExecutor.close` removes, on errors and
Ctrl-C too; with a remote scheduler nothing is staged, since its workers cannot see our
temporary directory.

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

import importlib.util
import logging
import os
import shutil
import socket
import tempfile
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from provenance.errors import ConfigError
from provenance.execution.local import spawning_without_interrupts

if TYPE_CHECKING:  # only for type checkers: Dask is optional at run time
    from distributed import Client, Future, LocalCluster

__all__ = ["INSTALL_HINT", "DaskExecutor", "check_scheduler", "check_workdir_visible", "current_client", "require_dask"]

INSTALL_HINT = "pip install 'passage-provenance[dask]'"

#: Retries of a task that raised (a dead worker is handled by the scheduler separately).
DEFAULT_RETRIES = 2

#: Seconds to wait for a TCP connection to ``--scheduler`` before giving up.
CONNECT_TIMEOUT = 5.0

#: Seconds to wait for a remote scheduler to have at least one worker.
WORKER_TIMEOUT = 30.0

Item = TypeVar("Item")
Result = TypeVar("Result")


def require_dask() -> None:
    """Raise :class:`ConfigError` naming the install command when ``distributed`` (or what
    dask.dataframe needs for the components stage: pandas, pyarrow) is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        missing: str | None = exc.name or "distributed"
    else:
        missing = next((name for name in ("pandas", "pyarrow") if importlib.util.find_spec(name) is None), None)
    if missing is not None:
        raise ConfigError(
            f"--engine dask needs Dask, which is not installed ({missing} missing); install it with: {INSTALL_HINT}"
        )


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise :class:`ConfigError` unless a TCP connection to ``address`` opens within
    ``timeout`` seconds (a refused port fails at once). Schemes other than ``tcp``/``tls``
    are left to Dask."""
    from distributed.comm.addressing import parse_address, parse_host_port

    hint = "check --scheduler (e.g. tcp://host:8786) and that the scheduler runs, or leave it out to start a local cluster"
    try:
        scheme, location = parse_address(address, strict=False)
        if scheme not in ("tcp", "tls"):
            return
        host, port = parse_host_port(location)
    except ValueError as exc:
        raise ConfigError(f"bad Dask scheduler address {address!r} ({exc}); {hint}") from None
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except TimeoutError:
        raise ConfigError(f"cannot reach the Dask scheduler at {address!r} (no answer in {timeout:g} s); {hint}") from None
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address!r} ({exc.strerror or exc}); {hint}") from None


def current_client(scheduler: str | None) -> Client | None:
    """The running default Dask client when it is connected to ``scheduler``, else ``None``
    (also without ``scheduler``: that asks for a LocalCluster of our own)."""
    if scheduler is None:
        return None
    from distributed import default_client
    from distributed.comm.addressing import normalize_address

    try:
        client = default_client()
    except ValueError:  # no client in this process
        return None
    try:
        wanted = normalize_address(scheduler)
    except ValueError:
        return None
    same = client.status == "running" and client.scheduler is not None and client.scheduler.address == wanted
    return client if same else None


def check_workdir_visible(client: Client, workdir: str) -> None:
    """Raise :class:`ConfigError` naming the workers that cannot see ``workdir`` (a probe
    file written here must exist there: same file system, same path)."""
    os.makedirs(workdir, exist_ok=True)
    probe = os.path.join(os.path.abspath(workdir), f".provenance-probe-{uuid.uuid4().hex[:12]}")
    with open(probe, "w"):
        pass
    try:
        seen = client.run(os.path.exists, probe)
    finally:
        os.remove(probe)
    blind = sorted(worker for worker, exists in seen.items() if not exists)
    if blind:
        raise ConfigError(
            f"--workdir {workdir!r} is not visible to the Dask worker(s) {', '.join(blind)}: put it on a file "
            "system every worker mounts at the same path, or leave --workdir out"
        )


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
        self._scratch: str | None = None
        self._checked_workdirs: set[str] = set()

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
        """Close the client, stop the LocalCluster we started (never a remote one), then
        remove the temporary staging directory (its writers are gone by then)."""
        client, cluster, scratch = self._client, self._cluster, self._scratch
        self._client = self._cluster = self._scratch = None
        try:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """``function(item)`` for each item, in input order, computed on the cluster."""
        iterator = iter(items)
        first = next(iterator, _END)
        if first is _END:  # nothing to do: do not start a cluster for it
            return
        client = self.client
        function = self._staged(function)
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

    def _staged(self, function: Callable[[Item], Result]) -> Callable[[Item], Result]:
        """``function`` with its shards where the workers can use them (see the module docstring)."""
        from provenance.execution.shards import ShardedStage, stage_in

        if isinstance(function, ShardedStage):
            if self._cluster is None and function.workdir not in self._checked_workdirs:
                check_workdir_visible(self.client, function.workdir)
                self._checked_workdirs.add(function.workdir)
            return cast(Callable[[Item], Result], function)
        if self._scratch is None:  # a remote cluster: it cannot see our temporary directory
            return function
        return stage_in(function, self._scratch)

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
            check_scheduler(self.scheduler)
            try:
                client = Client(self.scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise ConfigError(
                    f"cannot reach the Dask scheduler at {self.scheduler!r} ({exc}); check --scheduler "
                    "(e.g. tcp://host:8786) or leave it out to start a local cluster"
                ) from None
            try:
                client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
            except TimeoutError:
                client.close()
                raise ConfigError(
                    f"the Dask scheduler at {self.scheduler!r} has no workers (waited {WORKER_TIMEOUT:g} s); "
                    f"start some with: dask worker {self.scheduler}"
                ) from None
            return client
        # Our messages are the user's output: Dask's own log lines (an interrupted run's
        # "Couldn't gather keys" from the in-process scheduler) are not; failures reach
        # us as exceptions. Stage shards and Dask's own scratch space (spilled memory) in one directory that
        # close() removes, so a run leaves nothing behind in the temporary directory.
        import dask

        self._scratch = tempfile.mkdtemp(prefix="provenance-work-")
        with spawning_without_interrupts(), dask.config.set({"temporary-directory": os.path.join(self._scratch, "dask")}):
            self._cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.CRITICAL, host="127.0.0.1", preload=["provenance.execution.dask_worker"],
            )
        return Client(self._cluster)


def _task_name(function: Callable[..., Any]) -> str:
    """A readable key prefix for Dask's task stream: the function, or what it wraps."""
    inner = getattr(function, "func", None) or getattr(function, "function", None)
    return getattr(function, "__name__", None) or getattr(inner, "__name__", None) or type(function).__name__


_END = object()
