"""The sandbox a graded cell runs in: what it can see, and the caps on what it can do.

Each test runs one cell through tito.grading.sandbox.Runner, as `tito grade` does, with code
that probes the sandbox and prints what it finds. Cells that start processes get round the
guard's refusal (conftest.SPAWN) so that the sandbox itself is what is tested.
"""

import json
import os
import resource
import sys
from pathlib import Path

import pytest

from conftest import REPO, SPAWN, live_processes
from tito.grading import sandbox
from tito.grading.sandbox import PROCESSES, Runner, cell_limits
from tito.grading.verdict import read_verdict



def run_cell(tmp_path, code, sandboxed=True, timeout=60, limits=None):
    """Run `code` as the cell before a graded cell whose one test passes; return (CellRun, Verdict)."""
    workspace = tmp_path / "workspace"
    (workspace / "modules").mkdir(parents=True, exist_ok=True)
    job = tmp_path / f"job-{len(list(tmp_path.glob('job-*')))}"
    job.mkdir()
    runner = Runner(sandboxed)
    root = runner.plan_root(workspace)
    plan = {
        "root": root, "source": f"{root}/modules/cell.py", "imports": {}, "sandboxed": sandboxed,
        "limits": {**cell_limits(timeout, 2**30), **(limits or {})}, "tests": ["test_nothing"],
        "chunks": [{"code": code, "line": 1, "label": "'probe'", "locked": False},
                   {"code": "def test_nothing():\n    pass\n", "line": 1, "label": "'test'", "locked": True}],
    }
    cell = runner.run(plan, workspace, job, timeout)
    return cell, read_verdict(cell, plan["tests"], timeout)


def probe(tmp_path, code):
    """Run `code`, which sets `found` (a dict), and return `found` as the cell printed it."""
    cell, verdict = run_cell(tmp_path, code + "\nimport json as _json\nprint('FOUND', _json.dumps(found))\n")
    line = next((line for line in cell.output.splitlines() if line.startswith("FOUND ")), None)
    assert line, f"{verdict.message}\n{cell.output}"
    return json.loads(line[len("FOUND "):])


def _marker(tmp_path):
    return str(abs(hash(str(tmp_path))) % 10**9 + 10**9)


def test_bubblewrap_is_here_for_these_tests():
    sandbox.check_bubblewrap()  # CI installs it (.ci/run); without it every test below would be meaningless


def test_the_cell_sees_the_python_environment_and_its_workspace_copy_and_nothing_else(tmp_path):
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    secret_files = [REPO / "modules", REPO / "tito", REPO / "tinytorch" / "core", Path.home() / ".bash_history",
                    Path("/etc/passwd"), Path("/proc/self/mem"), tmp_path.parent, Path(sys.prefix).parent / "modules"]
    found = probe(tmp_path, f"""
import os, sys
found = {{
    "visible": [path for path in {[str(p) for p in secret_files]!r} if os.path.exists(path)],
    "grader_install": [name for name in os.listdir({str(site)!r}) if name.startswith(("tito", "tinytorch", "__editable__"))
                       and os.path.isdir(os.path.join({str(site)!r}, name)) and os.listdir(os.path.join({str(site)!r}, name))],
    "editable_hook": open({str(site)!r} + "/__editable__.tinytorch-0.1.0.pth").read()
        if os.path.exists({str(site)!r} + "/__editable__.tinytorch-0.1.0.pth") else "",
    "environment": sorted(os.environ),
    "root": sorted(os.listdir("/")),
    "cwd": os.getcwd(),
    "uid": os.getuid(),
}}
try:
    import tito
    found["tito"] = tito.__file__
except ImportError:
    found["tito"] = None
for place in ("/workspace/new.txt", "/tmp/new.txt"):
    try:
        open(place, "w").write("x")
        found[place] = "written"
    except OSError as error:
        found[place] = error.strerror
""")
    assert found["visible"] == [], "the grader's files and the machine's must be out of sight"
    assert found["grader_install"] == [] and found["editable_hook"] == "" and found["tito"] is None
    assert found["environment"] == sorted(set(sandbox.ENVIRONMENT) | {"PWD"}), "no variable of the grader's"
    assert "proc" not in found["root"] and "etc" not in found["root"] and "home" not in found["root"]
    assert found["cwd"] == sandbox.SANDBOX_ROOT
    assert found["/workspace/new.txt"] == "Read-only file system" and found["/tmp/new.txt"] == "written"
    if os.geteuid() == 0:
        assert sandbox.UID_RANGE[0] <= found["uid"] < sandbox.UID_RANGE[1], "a cell never runs as root"
    else:
        assert found["uid"] == os.getuid()


def test_there_is_no_network(tmp_path):
    found = probe(tmp_path, SPAWN + f"""
child = subprocess.run([{sys.executable!r}, "-I", "-c",
                        "import socket\\ntry:\\n socket.create_connection(('1.1.1.1', 53), timeout=5)\\n print('connected')\\n"
                        "except OSError as error:\\n print(error.strerror)"], capture_output=True, text=True)
found = {{"connect": child.stdout.strip()}}
""")
    assert found["connect"] == "Network is unreachable"


def test_memory_is_capped(tmp_path):
    cell, verdict = run_cell(tmp_path, "block = bytearray(2 * 2**30)\n")
    assert verdict.status == "error" and "MemoryError" in verdict.message


def test_processes_are_capped_and_none_outlives_the_cell(tmp_path):
    marker = _marker(tmp_path)
    found = probe(tmp_path, SPAWN + f"""
started = 0
for _ in range(4 * {PROCESSES}):
    try:
        subprocess.Popen(["/bin/sleep", "{marker}"], start_new_session=True)
        started += 1
    except OSError:
        pass
found = {{"started": started}}
""")
    assert 0 < found["started"] < PROCESSES, found
    assert live_processes(marker) == []


def test_a_daemon_dies_with_its_cell(tmp_path):
    marker = _marker(tmp_path)
    cell, verdict = run_cell(tmp_path, SPAWN + (
        f"subprocess.Popen(['/bin/sh', '-c', '(/bin/sleep {marker} &) ; exit 0'], start_new_session=True,\n"
        "                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).wait()\n"))
    assert verdict.status == "needs-review" and "still running" in verdict.message
    assert live_processes(marker) == []


def test_a_grandchild_holding_the_pipes_does_not_hold_up_the_grader(tmp_path):
    marker = _marker(tmp_path)
    cell, verdict = run_cell(tmp_path, SPAWN + f"subprocess.Popen(['/bin/sleep', '{marker}'], close_fds=False)\n"
                             "import os\nos._exit(0)\n", timeout=60)
    assert not cell.timed_out and verdict.status == "needs-review"
    assert live_processes(marker) == []


def test_output_is_bounded_and_the_grader_keeps_little_of_it(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cell, verdict = run_cell(tmp_path, "import sys\nline = 'x' * 2**20\nfor _ in range(1024):\n    sys.stdout.write(line)\n")
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    assert cell.output_exceeded and verdict.status == "error" and "printed more output" in verdict.message
    assert len(cell.output) < 3 * sandbox.KEPT_OUTPUT
    assert grown < 64 * 2**20, f"reading 1 GiB of output grew the grader by {grown} bytes"


def test_cpu_time_is_capped(tmp_path):
    cell, verdict = run_cell(tmp_path, "while True:\n    pass\n", timeout=60, limits={"RLIMIT_CPU": [1, 2]})
    assert not cell.timed_out and verdict.status == "timeout" and "CPU time" in verdict.message


def test_file_size_is_capped(tmp_path):
    cell, verdict = run_cell(tmp_path, "open('/tmp/big', 'wb').write(bytes(2 * sandbox.FILE_SIZE))\n"
                             .replace("sandbox.FILE_SIZE", str(sandbox.FILE_SIZE)))
    assert verdict.status == "error" and "File too large" in verdict.message


def test_the_wall_clock_limit_stops_a_cell(tmp_path):
    cell, verdict = run_cell(tmp_path, "import time\ntime.sleep(600)\n", timeout=2)
    assert cell.timed_out and verdict.status == "timeout"


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandboxed", "not-sandboxed"])
def test_an_honest_cell_passes_with_and_without_the_sandbox(tmp_path, sandboxed):
    cell, verdict = run_cell(tmp_path, "import numpy as np\nvalue = float(np.ones(3).sum())\n", sandboxed=sandboxed)
    assert (verdict.status, verdict.reviews) == ("passed", []), cell.output
