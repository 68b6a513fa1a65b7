"""Run a pure stage function over a stream of work items on this machine.

:class:`LocalExecutor` maps a function over items and yields the results *in input
order*, so whatever consumes them (the parent's SQLite writer) sees the same sequence
whether the work ran in-process (``workers=1``) or in a pool of worker processes. Output
is therefore byte-identical for any worker count.

In-process, the next items are computed on one helper thread while the caller consumes
the current one: the text stage (:func:`~provenance.pipeline.batch.process_batch`) spends
its time in the native core, which releases the GIL and uses every core (rayon), so
computing overlaps with the parent's writing without worker processes or pickling.

Workers are started with the ``spawn`` method: polars (and its thread pool) is not
fork-safe, and spawned workers import only what the task needs. At most
``workers + prefetch`` items are in flight, so memory stays bounded by the batch size,
not by the length of the stream. A stream of a few items (:data:`SMALL_STREAM`) never
starts a pool (no start-up cost for small scans).

Example::

    with LocalExecutor(workers=2) as executor:
        for batch in executor.map(functools.partial(process_batch, config=config), chunks):
            write_batch(index, batch)
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Self, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

__all__ = [
    "MAX_DEFAULT_WORKERS",
    "LocalExecutor",
    "after_polars_import",
    "default_workers",
    "ignore_interrupts",
    "read_ahead",
    "spawning_without_interrupts",
]

#: The default never starts more workers than this, however many cores there are: the
#: parent's single SQLite writer caps what more processes can add.
MAX_DEFAULT_WORKERS = 8
#: Streams of at most this many items run in this process: spawning workers (each
#: importing numpy and polars) costs more than a few batches of work.
SMALL_STREAM = 3

Item = TypeVar("Item")
Result = TypeVar("Result")


def default_workers() -> int:
    """Cores this process may run on, capped at :data:`MAX_DEFAULT_WORKERS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


class LocalExecutor:
    """Ordered ``map`` in this process or in ``workers`` spawned processes.

    ``prefetch`` extra items are submitted beyond one per worker so a worker never waits
    for the parent; ``function`` must be picklable (a module-level function or a
    ``functools.partial`` of one) when ``workers > 1``.
    """

    def __init__(self, workers: int = 1, prefetch: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}; use 1 to run in this process")
        self.workers = workers
        self.prefetch = max(0, prefetch)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers; pending work is cancelled (used on errors and Ctrl-C too)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @property
    def started(self) -> bool:
        """Whether a worker pool is running (it starts on the second item)."""
        return self._pool is not None

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """``function(item)`` for each item, in order, computed ``workers`` at a time."""
        iterator = iter(items)
        if self.workers == 1:
            yield from self._map_in_process(function, iterator)
            return
        head = list(islice(iterator, SMALL_STREAM + 1))
        if len(head) <= SMALL_STREAM:  # a short stream: not worth starting processes
            yield from map(function, head)
            return
        pool = self._start()
        pending: deque[Future[Result]] = deque(pool.submit(function, item) for item in head)
        limit = self.workers + self.prefetch
        try:
            for item in iterator:
                while len(pending) >= limit:
                    yield pending.popleft().result()
                pending.append(pool.submit(function, item))
            while pending:
                yield pending.popleft().result()
        except BaseException:
            for future in pending:
                future.cancel()
            raise

    def _map_in_process(self, function: Callable[[Item], Result], iterator: Iterator[Item]) -> Iterator[Result]:
        """``function`` over ``iterator`` on one helper thread, ``prefetch`` items ahead;
        items are still pulled from ``iterator`` by the caller's thread."""
        if self.prefetch == 0:
            yield from map(function, iterator)
            return
        yield from read_ahead(function, iterator, self.prefetch, "provenance-stage")

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # multiprocessing and the process pool (~40 ms to import) only once a pool starts
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_start_worker,
                                       initargs=(os.getpid(),))
            # Each submit spawns a process until there are ``workers``: start them all
            # now, with SIGINT ignored, so a Ctrl-C while they import cannot reach them.
            with spawning_without_interrupts():
                for _ in range(self.workers):
                    pool.submit(int)
            self._pool = pool
        return self._pool


def read_ahead(function: Callable[[Item], Result], items: Iterable[Item], ahead: int,
               thread_name: str = "provenance-read", chunk: int = 1) -> Generator[Result, None, None]:
    """``function(item)`` for each item, in order, computed on one helper thread up to
    ``ahead`` items before the caller takes them (items are pulled by the caller's thread),
    ``chunk`` items per hand-over.

    What the scan reads files with: reading and decoding the next articles runs while
    this thread writes the current batch (SQLite and the native stage release the GIL).
    ``function`` must not touch what the caller's thread uses (the index connection).
    Chunks matter where most items cost little: a hand-over takes ~30 µs, and a rescan
    of 100k files finds most of them unchanged by one ``stat`` each.
    """
    def run(part: list[Item]) -> list[Result]:
        return [function(item) for item in part]

    iterator = iter(items)
    pending: deque[Future[list[Result]]] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name) as pool:
        try:
            while part := list(islice(iterator, chunk)):
                pending.append(pool.submit(run, part))
                if len(pending) * chunk > ahead:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _start_worker(parent: int) -> None:
    """Workers leave Ctrl-C to the parent, which cancels their work and reports once
    (a terminal sends SIGINT to the whole process group), and exit when the parent is
    gone: a parent killed outright (SIGKILL, the OOM killer) never closes the pool, and
    its workers would otherwise wait on the task queue forever.

    polars is not imported here (0.3 s of each worker's start, and a scan's workers never
    use it): a task that does import it (``--workdir`` shards) ignores SIGINT again after
    (:func:`after_polars_import`)."""
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The native kernels' thread pool would size itself to every core in every worker.
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    threading.Thread(target=_exit_without_parent, args=(parent,), name="provenance-parent-watch", daemon=True).start()


@contextmanager
def spawning_without_interrupts() -> Iterator[None]:
    """Start worker processes inside this block: SIGINT is ignored here meanwhile, then
    restored.

    A terminal's Ctrl-C reaches the whole process group: workers would each print a
    KeyboardInterrupt traceback. An ignored signal stays ignored across ``exec`` and
    Python then installs no handler, so a worker is safe from its first instruction;
    :func:`ignore_interrupts` keeps it so once polars is imported. Only the parent
    reacts: it cancels the work and stops the workers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


#: Set in a local worker process by :func:`_start_worker`.
_IN_WORKER = False


def after_polars_import() -> None:
    """In a local worker, ignore SIGINT again: a module that imports polars calls this
    right after (polars' first import installs a SIGINT handler of its own)."""
    if _IN_WORKER and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def ignore_interrupts() -> None:
    """Ignore SIGINT in this (worker) process, after importing polars: polars installs a
    SIGINT handler of its own when first imported (to turn Ctrl-C into
    ``KeyboardInterrupt`` inside long queries), which would override an inherited
    "ignore" and make a worker fail its task with a traceback on Ctrl-C."""
    import polars  # noqa: F401

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _exit_without_parent(parent: int, interval: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)

