"""Where a sweep runs and what happens when it fails: the same numbers in this process, in worker
processes and on Dask (a LocalCluster losing a worker mid-sweep); no half-written file after a failing
chunk or an interrupt, and a message saying what happened."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest

from conftest import run_cli
from vrest.codegen.sweep import api
from vrest.codegen.sweep.api import make_plan, run_sweep
from vrest.derive.builtin import resolve_model

VARY = {"ions.K.outside": "2..10 mM 20", "pump": "0.6..1.4 10"}


@pytest.fixture(scope="module")
def pumpleak():
    return resolve_model("pumpleak")


@pytest.fixture(scope="module")
def in_process(pumpleak):
    """The reference: every chunk in this process."""
    return run_sweep(pumpleak, make_plan(pumpleak, VARY), ["V_ss", "volume_ss", "tau_slow"], workers=1, chunk=25)


def test_worker_processes_give_the_numbers_of_one_process(pumpleak, in_process):
    outcome = run_sweep(pumpleak, make_plan(pumpleak, VARY), ["V_ss", "volume_ss", "tau_slow"], workers=2, chunk=25)
    for name, _ in in_process.layout.variables:
        assert np.array_equal(outcome.memory.array(name), in_process.memory.array(name), equal_nan=True)


def test_dask_finishes_after_losing_a_worker_with_the_local_numbers(pumpleak, in_process, monkeypatch):
    """A LocalCluster of 2 one-thread worker processes; one is killed (SIGKILL, by its pid) once the first
    results are in, and the scheduler re-runs its chunks on the worker that remains."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = sorted(client.run(os.getpid).values())
        killed = []

        class KillOnce(api._Progress):
            def __call__(self, done: int) -> None:
                if not killed and done >= 50:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(done)

        monkeypatch.setattr(api, "_Progress", KillOnce)
        outcome = run_sweep(pumpleak, make_plan(pumpleak, VARY), ["V_ss", "volume_ss", "tau_slow"], engine="dask",
                            scheduler=cluster.scheduler_address, chunk=25)
        assert killed and killed[0] < 200  # mid-sweep
        with pytest.raises(ProcessLookupError):
            os.kill(pids[0], 0)  # that worker is gone
    for name, _ in in_process.layout.variables:
        np.testing.assert_allclose(outcome.memory.array(name), in_process.memory.array(name), rtol=1e-12)


def _fail_on_second_chunk(error):
    calls = []
    run = api.run_task

    def run_task(task):
        calls.append(task.start)
        if len(calls) == 2:
            raise error
        return run(task)

    return run_task


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".nc"])
def test_a_failing_chunk_leaves_no_file_and_says_which(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(api, "run_task", _fail_on_second_chunk(MemoryError("out of memory")))
    monkeypatch.setattr(api, "chunk_size", lambda size, engine, workers: 10)
    out = tmp_path / f"sweep{suffix}"
    code, stdout, stderr = run_cli("sweep", "squid", "--vary", "ions.K.outside=1..100 mM 30", "--quantity", "V_ss",
                                   "--workers", "1", "--out", str(out))
    assert code == 2 and stdout == ""
    assert stderr.strip().splitlines() == [
        f"vrest: error: sweep: a chunk failed (points 10..19 of 30): MemoryError: out of memory; nothing was written "
        f"to {out}"]
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one


def test_an_interrupt_leaves_no_file_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "run_task", _fail_on_second_chunk(KeyboardInterrupt()))
    monkeypatch.setattr(api, "chunk_size", lambda size, engine, workers: 10)
    out = tmp_path / "sweep.parquet"
    code, stdout, stderr = run_cli("sweep", "squid", "--vary", "ions.K.outside=1..100 mM 30", "--workers", "1",
                                   "--out", str(out))
    assert code == 130
    assert stderr.strip() == f"vrest: interrupted: the sweep was stopped; nothing was written to {out}"
    assert list(tmp_path.iterdir()) == []


def test_cli_dask_engine_starts_its_own_cluster_and_writes_the_local_file(tmp_path):
    args = ["sweep", "pumpleak", "--vary", "ions.K.outside=2..10 mM 30", "--vary", "pump=0.6..1.4 30", "--quantity",
            "V_ss,tau_slow"]
    local, dask = tmp_path / "local.csv", tmp_path / "dask.csv"
    assert run_cli(*args, "--out", str(local))[0] == 0
    code, out, err = run_cli(*args, "--engine", "dask", "--workers", "2", "--out", str(dask))
    assert code == 0, err
    assert out.strip() == str(dask)
    assert dask.read_bytes() == local.read_bytes()


def test_ctrl_c_stops_the_worker_processes_and_leaves_no_file(tmp_path):
    """A real SIGINT to a real process once its progress shows: exit 130, the message, no file, no workers. The
    sweep is long (2.25 million points, minutes) so that, on a loaded machine too, its first progress line (after
    a second) comes well before its end: with 360 000 points it once came at 100 %, and the signal after the end."""
    import subprocess
    import sys

    out = tmp_path / "big.parquet"
    # Ctrl-C as a terminal delivers it: the test's own process may ignore SIGINT (a pytest-xdist worker does),
    # and an ignored signal stays ignored across exec, so the sweep ran to its end and exited 0.
    process = subprocess.Popen([sys.executable, "-m", "vrest.codegen", "sweep", "pumpleak", "--vary",
                                "ions.K.outside=1..20 mM log 1500", "--vary", "pump=0.3..2 1500", "--quantity",
                                "V_ss,tau_slow", "--workers", "2", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = b""
    while b"vrest sweep:" not in seen:  # the progress line: chunks are being computed
        seen += process.stderr.read1(256)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and stdout == b""
    assert (seen + stderr).decode().rstrip().endswith(
        f"vrest: interrupted: the sweep was stopped; nothing was written to {out}")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_chunk_ends_the_chunks_still_running_at_once():
    """The first chunk fails while another worker runs a chunk of a minute: the error comes at once, the running
    chunk's worker ended (leaving the pool waited for it; a Ctrl-C took 4 s to end a sweep of 65 536-point
    chunks)."""
    import functools
    import math
    import operator
    import time

    from vrest.codegen.sweep.executors import run_local

    chunks = [functools.partial(math.sqrt, -1.0), functools.partial(time.sleep, 60.0)]
    started = time.monotonic()
    with pytest.raises(ValueError, match="math domain error"):
        list(run_local(operator.call, chunks, workers=2))
    assert time.monotonic() - started < 30.0  # not the minute of the running chunk


def test_a_scheduler_address_where_another_server_answers_is_one_line(monkeypatch, tmp_path):
    """An HTTP server on the port: Dask's client waited for its handshake for ever (or read the reply as a message
    length and asked for exabytes). Now one line within the connection timeout, nothing written."""
    import http.server
    import threading

    from vrest.codegen.sweep import executors

    monkeypatch.setattr(executors, "CONNECT_SECONDS", 2)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # the server's log is not vrest's stderr
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"tcp://127.0.0.1:{server.server_address[1]}"
        out = tmp_path / "x.csv"
        code, stdout, err = run_cli("sweep", "pumpleak", "--vary", "ions.K.outside=1..20 mM log 4", "--quantity",
                                    "V_ss", "--engine", "dask", "--scheduler", address, "--out", str(out))
    finally:
        server.shutdown()
    assert (code, stdout) == (2, "") and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"vrest: error: --scheduler = '{address}': no Dask scheduler answered within 2 s")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_workers_with_a_scheduler_are_said_to_do_nothing():
    """--workers sizes the LocalCluster vrest starts; with --scheduler the scheduler's own workers run the sweep."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        code, out, err = run_cli("sweep", "squid", "--vary", "ions.K.outside=1..10 mM 3", "--quantity", "V_ss",
                                 "--engine", "dask", "--scheduler", cluster.scheduler_address, "--workers", "3",
                                 "--json")
    assert code == 0, err
    assert "vrest: warning: --workers 3 does nothing with --scheduler" in err
    assert len(json.loads(out)["quantities"]["V_ss"]["values"]) == 3


def test_a_scheduler_without_workers_is_said_and_the_sweep_waits_for_one():
    """It hung without a word; now a warning, and the sweep runs once a worker joins."""
    import subprocess
    import sys
    import threading

    from distributed import LocalCluster

    with LocalCluster(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        command = [sys.executable, "-m", "vrest.codegen", "sweep", "squid", "--vary", "ions.K.outside=1..10 mM 3",
                   "--quantity", "V_ss", "--engine", "dask", "--scheduler", cluster.scheduler_address, "--json"]
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        late = threading.Timer(120, cluster.scale, args=(1,))  # without the warning, a worker still comes: no hang
        late.start()
        said = []
        for line in run.stderr:  # the warning comes before any worker is there to take a chunk
            said.append(line)
            if "has no workers yet" in line:
                break
        late.cancel()
        cluster.scale(1)
        out, rest = run.communicate(timeout=300)
    err = "".join(said) + rest
    assert run.returncode == 0, err
    assert "has no workers yet: the sweep waits until one joins (start them with: dask worker ADDRESS)" in err
    assert len(json.loads(out)["quantities"]["V_ss"]["values"]) == 3
