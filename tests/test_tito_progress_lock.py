"""Concurrent tito commands in one workspace never lose each other's progress updates."""

import json
import subprocess
import sys

from conftest import REPO
from tito import complete
from tito.complete import complete_module
from tito.inline_tests import InlineResult
from tito.module_tests import PytestResult
from tito.progress import load_progress, updating_progress
from tito.workspace import resolve_module

# Waits for the word to go on its stdin, so that every process begins at the same moment, then
# records one entry per update, each a read-modify-write of the whole file.
UPDATER = """
import sys
sys.path.insert(0, {repo!r})
from tito.progress import updating_progress
root, name = sys.argv[1], sys.argv[2]
sys.stdin.read(1)
for count in range({updates}):
    with updating_progress(root) as progress:
        progress.record_inline(f"{{name}}-{{count}}", count, {updates})
"""


def test_many_processes_updating_at_once_lose_nothing(tmp_path):
    processes, updates = 6, 40
    script = UPDATER.format(repo=str(REPO), updates=updates)
    children = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), f"p{i}"], stdin=subprocess.PIPE)
                for i in range(processes)]
    for child in children:
        child.stdin.write(b"!")
        child.stdin.close()
    assert [child.wait(timeout=300) for child in children] == [0] * processes
    recorded = json.loads((tmp_path / ".tito/progress.json").read_text())["modules"]
    missing = {f"p{i}-{n}" for i in range(processes) for n in range(updates)} - set(recorded)
    assert not missing, f"{len(missing)} of {processes * updates} updates were lost, e.g. {sorted(missing)[:3]}"


def test_complete_records_into_the_file_as_it_is_when_it_finishes(workspace, monkeypatch):
    """`complete 03` reads progress before its tests run; `test 05` records while they run.
    The completion must be added to what `test 05` wrote, not to the copy read at the start."""
    with updating_progress(workspace) as progress:
        for slug in ("01_tensor", "02_activations"):
            progress.record_completion(slug, "sha", {"passed": 1, "total": 1}, {"passed": 1})

    def inline_tests_while_another_command_records(module, timeout):
        with updating_progress(workspace) as other:
            other.record_inline("05_autograd", 3, 7)
        return InlineResult(tests=[{"name": "test_unit_x", "status": "passed", "message": None}])

    monkeypatch.setattr(complete, "run_inline_tests", inline_tests_while_another_command_records)
    monkeypatch.setattr(complete, "run_module_pytest", lambda module, timeout: PytestResult(passed=5))
    result = complete_module(resolve_module(workspace, "03"), load_progress(workspace))
    assert result.ok, result.steps
    recorded = load_progress(workspace)
    assert recorded.is_complete("03_layers") and recorded.entry("05_autograd")["inline"]["passed"] == 3


def test_a_failed_update_writes_nothing(workspace):
    with updating_progress(workspace) as progress:
        progress.record_inline("01_tensor", 1, 5)
    before = (workspace / ".tito/progress.json").read_bytes()
    try:
        with updating_progress(workspace) as progress:
            progress.forget("01_tensor")
            raise RuntimeError("the command failed half-way")
    except RuntimeError:
        pass
    assert (workspace / ".tito/progress.json").read_bytes() == before


def test_reading_progress_writes_nothing(workspace):
    assert load_progress(workspace).modules == {}
    assert not (workspace / ".tito").exists(), "reading must not create .tito/ (e.g. in the course repository)"
