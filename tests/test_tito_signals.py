"""Stopping tito: Ctrl-C says so in one line and exits 130; SIGTERM or SIGHUP stops it too; either
way no process tito started outlives it. Every wait here is for an event (a file, a line of
output), with a generous deadline that only a broken tito reaches."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import REPO, SPAWN, live_processes

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="POSIX signals and process groups, observed through Linux's /proc")

# Code that starts a helper process, says where both are, and waits for ever.
HANG = """\
import os, subprocess, sys, time
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open({pids!r} + ".tmp", "w") as stream:
    stream.write(f"{{os.getpid()}} {{helper.pid}}")
os.replace({pids!r} + ".tmp", {pids!r})
time.sleep(600)
"""
GRADED_CELL = '# %% nbgrader={"grade": true, "grade_id": "test-hangs", "locked": true, "points": 1}'


@pytest.fixture
def processes():
    """Processes a test started or saw started; any still running at its end (a failed test) is killed."""
    pids = []
    yield pids
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def start_tito(processes, *args, cwd, env=None):
    tito = subprocess.Popen([sys.executable, "-m", "tito", *map(str, args)], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "COLUMNS": "200", **(env or {})})
    processes.append(tito.pid)
    return tito


def started_by_the_test(pids, processes):
    """The pids the hanging test wrote: its runner and its helper."""
    found = list(map(int, pids.read_text().split()))
    processes.extend(found)
    return found


def wait_for(condition, what, deadline=300):
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.05)


def alive(pid):
    """True while `pid` runs; a zombie (dead, not yet reaped by its new parent) counts as gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


def children_of(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def add_hanging_cell(workspace, tmp_path, slug="03_layers", as_test=True):
    """Append to `slug`'s source a cell that hangs: a graded test function, or plain code."""
    pids = tmp_path / "pids"
    code = HANG.format(pids=str(pids))
    cell = f"{GRADED_CELL}\ndef test_unit_hangs():\n{textwrap.indent(code, '    ')}" if as_test else f"# %%\n{code}"
    source = next((workspace / "modules" / slug).glob("*_dev.py"))
    source.write_text(f"{source.read_text()}\n\n{cell}")
    return pids


def stop_and_collect(tito, signum):
    tito.send_signal(signum)
    stdout, stderr = tito.communicate(timeout=120)
    return tito.returncode, stdout, stderr


@pytest.mark.parametrize("signum, code, line", [
    (signal.SIGINT, 130, "tito: interrupted"),
    (signal.SIGTERM, 143, "tito: stopped by SIGTERM"),
    (signal.SIGHUP, 129, "tito: stopped by SIGHUP"),
])
def test_a_signal_stops_module_test_and_every_process_it_started(workspace, tmp_path, processes, signum, code, line):
    pids = add_hanging_cell(workspace, tmp_path)
    tito = start_tito(processes, "module", "test", "03", cwd=workspace)
    wait_for(pids.exists, "the hanging inline test to start")
    runner, helper = started_by_the_test(pids, processes)
    returncode, stdout, stderr = stop_and_collect(tito, signum)
    assert (returncode, stdout.strip().splitlines()[-1]) == (code, line), stdout + stderr
    assert "Traceback" not in stdout + stderr and not stderr.strip(), stderr
    assert not alive(runner) and not alive(helper), "a process started by tito outlived it"


def test_ctrl_c_stops_a_notebook_run_and_its_kernel(workspace, tmp_path, processes):
    pids = add_hanging_cell(workspace, tmp_path, as_test=False)
    tito = start_tito(processes, "module", "notebook", "03", "--execute", cwd=workspace)
    wait_for(pids.exists, "the hanging notebook cell to start")
    kernel, helper = started_by_the_test(pids, processes)
    returncode, stdout, stderr = stop_and_collect(tito, signal.SIGINT)
    assert (returncode, stdout.strip().splitlines()[-1]) == (130, "tito: interrupted"), stdout + stderr
    assert "Traceback" not in stdout + stderr and not stderr.strip(), stderr
    wait_for(lambda: not alive(kernel) and not alive(helper), "the kernel and what it started to end", deadline=30)


def test_ctrl_c_stops_grading_at_once_and_leaves_no_process(workspace, tmp_path, processes):
    # A graded cell runs sandboxed: it cannot write where the test could read, so the helper it
    # starts (getting round the grader's refusal) is found by a marker in its command line.
    marker = str(10**9 + os.getpid())
    source = workspace / "modules/01_tensor/tensor_dev.py"
    hang = f"{SPAWN}subprocess.Popen(['/bin/sleep', '{marker}'])\nimport time\ntime.sleep(600)\n"
    source.write_text(f"{source.read_text()}\n\n{GRADED_CELL}\ndef test_unit_hangs():\n{textwrap.indent(hang, '    ')}")
    tito = start_tito(processes, "grade", "--workers", "2", cwd=workspace)
    wait_for(lambda: live_processes(marker), "the hanging graded test to start its helper")
    processes.extend(live_processes(marker))
    returncode, stdout, stderr = stop_and_collect(tito, signal.SIGINT)
    assert (returncode, stdout.strip().splitlines()[-1]) == (130, "tito: interrupted"), stdout + stderr
    assert "Traceback" not in stdout + stderr and "Total:" not in stdout, "no grade is reported after Ctrl-C"
    assert live_processes(marker) == []


def test_ctrl_c_in_a_milestone_is_one_line_and_exit_130(tmp_path, processes):
    tito = start_tito(processes, "milestone", "run", "mlp", "--epochs", "100000", "--out", tmp_path, cwd=REPO,
                      env={"PYTHONUNBUFFERED": "1"})
    seen = []
    while not any(text.startswith("epoch 1/") for text in seen):
        text = tito.stdout.readline()
        assert text, "the milestone ended before its first epoch:\n" + "".join(seen) + tito.stderr.read()
        seen.append(text)
    children = children_of(tito.pid)
    processes.extend(children)
    assert children, "the milestone runs in a child process"
    returncode, stdout, stderr = stop_and_collect(tito, signal.SIGINT)
    assert returncode == 130, stdout + stderr
    assert stderr.strip() == "milestone interrupted" and "tito: interrupted" not in stdout, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert not [pid for pid in children if alive(pid)]
    assert not list(tmp_path.iterdir()), "an interrupted milestone saves no plot"
