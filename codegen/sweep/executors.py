"""Run a sweep's chunks: on this machine's cores, or on Dask distributed. Only this module knows Dask.

An executor takes tasks (codegen.sweep.tasks: generated source, its hash, the chunk's points) and
yields their results in order, with at most a few chunks in flight, so a sweep of 1e8 points holds
only a few chunks in memory. The local executor runs a small sweep in this process and a larger one
in worker processes (spawned: a fresh interpreter that imports NumPy and vrest's runtime, never
SymPy). The Dask executor submits the same tasks to a cluster (``--scheduler tcp://host:8786``) or
to a LocalCluster of one-thread worker processes; the scheduler re-runs the tasks of a worker that
dies on the workers that remain.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from vrest.derive.errors import ModelError, ModelWarning

from ..extras import install_line

__all__ = ["ENGINES", "run_local", "run_dask", "executor"]

ENGINES = ("local", "dask")


def _ignore_interrupts() -> None:
    """In a worker process: Ctrl-C is for the sweep's own process, which stops the workers and says so."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _window(workers: int) -> int:
    """Chunks in flight: enough to keep every worker busy while the writer takes the next result."""
    return 2 * workers + 1


def run_local(function: Callable, tasks: Iterable, workers: int | None = None, n_tasks: int | None = None) -> Iterator:
    """The results of ``function(task)`` in order; in this process for one task or one worker, else in
    worker processes."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or (n_tasks is not None and n_tasks <= 1):
        for task in tasks:
            yield function(task)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_ignore_interrupts) as pool:
        pending: deque = deque()
        try:
            for task in tasks:
                pending.append(pool.submit(function, task))
                if len(pending) >= _window(workers):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BaseException:  # Ctrl-C, a failed chunk, the writer stopped: the chunks still running are of no use
            _stop_workers(pool)
            raise
        finally:
            for future in pending:
                future.cancel()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End ``pool``'s worker processes now: leaving the with block waits for the chunks they are running (seconds
    each; Ctrl-C took 4 s to end a sweep). Python 3.14's terminate_workers does this; before it, the pool's own
    record of its processes."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


CONNECT_SECONDS = 20  # to connect to a scheduler and hear its handshake


def _reachable(address: str) -> None:
    """ModelError for an address that names no host and port, or where nothing listens: said at once (Dask's
    connect retries a refused connection until its timeout and then says it timed out)."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(address)
    if scheme in ("http", "https"):
        raise ModelError("--scheduler", address, "not the address of a Dask scheduler (http:// is its dashboard's): "
                         "give tcp://HOST:PORT, as the scheduler prints it when it starts")
    if scheme not in ("tcp", "tls"):
        return  # another transport (ucx, inproc): Dask's own connect says what is wrong
    try:
        host, port = parse_host_port(location)
    except ValueError:
        raise ModelError("--scheduler", address, "not the address of a Dask scheduler: give tcp://HOST:PORT, as the "
                         "scheduler prints it when it starts (dask scheduler: 'Scheduler at: tcp://...')") from None
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except ConnectionRefusedError:
        raise ModelError("--scheduler", address, f"nothing listens at {host}:{port} (connection refused): is the "
                         "scheduler running there?") from None
    except socket.gaierror:
        raise ModelError("--scheduler", address, f"the host {host!r} is not known here (its name does not "
                         "resolve)") from None
    except OSError:
        return  # unreachable, a name that does not resolve, a timeout: the handshake below says it


def _handshake(address: str) -> None:
    """Connect to ``address`` and hear a Dask handshake within CONNECT_SECONDS (Client waits for ever on a port
    that says nothing); an exception when that fails."""
    import asyncio

    from distributed.comm import connect

    async def probe() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=CONNECT_SECONDS), CONNECT_SECONDS)
        await comm.close()

    asyncio.run(probe())


def run_dask(function: Callable, tasks: Iterable, scheduler: str | None = None, workers: int | None = None) -> Iterator:
    """The results of ``function(task)`` in order, computed on Dask distributed.

    ``scheduler``: the address of a running scheduler; None starts a LocalCluster of ``workers`` (default:
    the cores) worker processes with one thread each, closed at the end.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ModelError("--engine", "dask", f"needs Dask distributed: {install_line('dask')}") from None
    cluster = None
    if scheduler is not None:
        _reachable(scheduler)
        if workers is not None:
            warnings.warn(f"--workers {workers} does nothing with --scheduler: the sweep runs on the workers started for "
                          "that scheduler (dask worker ADDRESS); --workers sizes the LocalCluster vrest starts without "
                          "--scheduler", ModelWarning, stacklevel=2)
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        address = cluster
    else:
        address = scheduler
    try:
        # A bounded wait, and whatever the handshake raises: a port that answers in another protocol (an HTTP
        # server) sends bytes Dask reads as a message length (a MemoryError of exabytes), or nothing at all.
        if scheduler is not None:
            _handshake(scheduler)
        client = Client(address, set_as_default=False, timeout=CONNECT_SECONDS)
        n_workers = len(client.scheduler_info().get("workers", {}))
        if n_workers == 0:  # the chunks wait for a worker: said, not a silent hang
            warnings.warn(f"the scheduler at {scheduler or 'the LocalCluster'} has no workers yet: the sweep waits "
                          "until one joins (start them with: dask worker ADDRESS)", ModelWarning, stacklevel=2)
        n_workers = max(1, n_workers)
    except Exception as error:  # noqa: BLE001 - every way a connection fails is one line for the user
        if cluster is not None:
            cluster.close()
        if isinstance(error, TimeoutError):
            what = (f"no Dask scheduler answered within {CONNECT_SECONDS} s (nothing listens there, another kind of "
                    "server does, or the scheduler is out of reach)")
        elif isinstance(error, OSError):
            what = f"cannot reach the Dask scheduler: {error}"
        else:
            what = f"not a Dask scheduler (its answer is no Dask handshake: {type(error).__name__})"
        raise ModelError("--scheduler", scheduler, what[:300]) from None
    try:
        pending: deque = deque()
        for task in tasks:
            pending.append(client.submit(function, task, pure=False, retries=1))
            if len(pending) >= _window(n_workers):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def executor(engine: str, scheduler: str | None = None, workers: int | None = None) -> Callable:
    """``run(function, tasks, n_tasks)`` for ``engine`` ("local" or "dask")."""
    if engine not in ENGINES:
        raise ModelError("--engine", engine, f"one of {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        raise ModelError("--scheduler", scheduler, "needs --engine dask")
    if engine == "dask":
        return lambda function, tasks, n_tasks=None: run_dask(function, tasks, scheduler, workers)
    return lambda function, tasks, n_tasks=None: run_local(function, tasks, workers, n_tasks)
