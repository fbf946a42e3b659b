"""`tito grade`: the workspace's own sources, each graded cell in its own sandboxed process, honest statuses.

The attacks a learner's code might make on the grader are in test_grading_adversarial.py; the
sandbox's own caps in test_grading_sandbox.py.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import LAYERS_IMPORTS, REPO, SPAWN, copy_reference_sources, live_processes, run_tito
from tito.sources import read_cells
from tito.workspace import all_modules

# Each test grades the whole course, every graded cell in a process of its own: 10-20 s a test.
pytestmark = pytest.mark.slow

LAYERS = "modules/03_layers/layers_dev.py"
# The points of every graded cell, read from the course's sources (not restated here).
GRADED = {
    module.slug: {c.nbgrader["grade_id"]: c.nbgrader["points"] for c in read_cells(module.source) if c.nbgrader.get("grade")}
    for module in all_modules(REPO)
}


def grade(root, *extra, cwd=None):
    result = run_tito("grade", root, "--json", root.parent / "g.json", *extra, cwd=cwd or root.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((root.parent / "g.json").read_text()), result.stdout


def statuses(report, slug):
    return {grade_id: test["status"] for grade_id, test in report["modules"][slug]["tests"].items()}


def cell_text(text, grade_id):
    """The text of the cell with `grade_id`, from its marker line to the next marker."""
    start = text.index(f'"grade_id": "{grade_id}"')
    start = text.rindex("# %%", 0, start)
    return text[start:text.index("\n# %%", start) + 1]


def test_the_untouched_release_scores_zero_on_every_graded_test(student, instructor_record):
    report, output = grade(student, "--release", instructor_record)
    assert (report["verified"], report["sandboxed"], report["needs_review"]) == (True, True, [])
    assert report["authority"] == f"the instructor's release record {instructor_record}"
    assert set(report["modules"]) == set(GRADED)
    assert report["earned"] == 0 and report["possible"] == sum(sum(points.values()) for points in GRADED.values())
    for slug, points in GRADED.items():
        tests = report["modules"][slug]["tests"]
        assert {grade_id: test["possible"] for grade_id, test in tests.items()} == points
        for grade_id, test in tests.items():
            assert (test["earned"], test["status"]) == (0, "error"), (slug, grade_id)
            assert "NotImplementedError" in test["message"], test["message"]
    assert f"Total: 0 of {report['possible']} points from {sum(map(len, GRADED.values()))} graded tests." in output


def test_the_reference_sources_score_full_points(student, instructor_record):
    copy_reference_sources(student)
    report, _ = grade(student, "--release", instructor_record)
    lost = {f"{slug}/{grade_id}": (test["status"], test.get("message"))
            for slug, module in report["modules"].items() for grade_id, test in module["tests"].items()
            if test["status"] != "passed"}
    assert report["earned"] == report["possible"] > 0, lost
    for slug in GRADED:
        assert set(statuses(report, slug).values()) == {"passed"}
        assert all("message" not in test for test in report["modules"][slug]["tests"].values())


def test_a_seeded_dropout_bug_costs_exactly_the_tests_that_exercise_it(student):
    copy_reference_sources(student)
    source = student / LAYERS
    text = source.read_text()
    assert text.count("dtype.type(1.0 / keep)") == 1
    source.write_text(text.replace("dtype.type(1.0 / keep)", "dtype.type(self.p)"))  # survivors scaled by p
    report, _ = grade(student, "--module", "03")
    assert list(report["modules"]) == ["03_layers"], "--module grades that module alone"
    layers = statuses(report, "03_layers")
    assert {grade_id for grade_id, status in layers.items() if status != "passed"} == {"test-dropout", "module-integration"}
    assert layers["test-dropout"] == layers["module-integration"] == "failed"
    assert "1/(1-p)" in report["modules"]["03_layers"]["tests"]["test-dropout"]["message"]
    lost = GRADED["03_layers"]["test-dropout"] + GRADED["03_layers"]["module-integration"]
    assert report["earned"] == report["modules"]["03_layers"]["possible"] - lost


def test_edited_removed_or_repointed_graded_cells_are_tampered_and_not_run(student, instructor_record):
    copy_reference_sources(student, ["01_tensor", "02_activations"])  # 03 keeps its stubs
    source = student / LAYERS
    text = source.read_text()
    # A test that passes without looking, more points for another, and one test gone.
    text = text.replace("def test_unit_linear_layer():\n", "def test_unit_linear_layer():\n    return\n")
    text = text.replace('"grade_id": "test-dropout", "locked": true, "points": 10', '"grade_id": "test-dropout", "locked": true, "points": 99')
    text = text.replace(cell_text(text, "test-module-sequential"), "")
    source.write_text(text)
    report, _ = grade(student, "--release", instructor_record, "--module", "03")
    tests = report["modules"]["03_layers"]["tests"]
    assert {grade_id: test["status"] for grade_id, test in tests.items() if test["status"] == "tampered"} == {
        "test-linear": "tampered", "test-dropout": "tampered", "test-module-sequential": "tampered"}
    assert "checksum" in tests["test-linear"]["message"]
    assert "points 10 -> 99" in tests["test-dropout"]["message"]
    assert "removed" in tests["test-module-sequential"]["message"]
    assert tests["test-dropout"]["possible"] == 10, "the release's points count, not the edited ones"
    assert report["modules"]["03_layers"]["earned"] == 0
    # The module test calls the *released* test_unit_linear_layer, which meets the stub.
    assert tests["module-integration"]["status"] == "error"
    assert "NotImplementedError" in tests["module-integration"]["message"]


def test_an_infinite_loop_times_out_and_the_rest_are_still_graded(student):
    copy_reference_sources(student)
    source = student / LAYERS
    text = source.read_text()
    check = 'raise ValueError(f"Dropout probability p must be between 0 and 1, got {value!r}")\n'
    assert text.count(check) == 1
    source.write_text(text.replace(check, check + "        while True:\n            pass\n"))
    report, _ = grade(student, "--timeout", "3", "--module", "02", "--module", "03")
    layers = statuses(report, "03_layers")
    assert layers == {"test-linear": "passed", "test-dropout": "timeout",
                      "test-module-sequential": "timeout", "module-integration": "timeout"}
    assert "3 seconds" in report["modules"]["03_layers"]["tests"]["test-dropout"]["message"]
    assert set(statuses(report, "02_activations").values()) == {"passed"}


def test_a_module_that_does_not_export_scores_zero_and_the_others_are_graded(student):
    copy_reference_sources(student)
    source = student / "modules/02_activations/activations_dev.py"
    lines = source.read_text().split("\n")
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("class ReLU("))
    lines[number - 1] = lines[number - 1].rstrip(":")
    source.write_text("\n".join(lines))
    report, _ = grade(student, "--module", "01", "--module", "02")
    for grade_id, test in report["modules"]["02_activations"]["tests"].items():
        assert test["status"] == "error" and test["earned"] == 0, grade_id
        assert f"activations_dev.py:{number}" in test["message"] and "could not be exported" in test["message"]
    assert set(statuses(report, "01_tensor").values()) == {"passed"}


def test_prose_that_repeats_a_solution_line_is_an_authoring_matter_not_a_grading_one(student):
    # The hint lint refuses such a source for export and release; the grader judges the code alone.
    copy_reference_sources(student)
    source = student / LAYERS
    text = source.read_text()
    end = "        ### END SOLUTION\n"
    solution_line = "output = np.matmul(x.data, self.weight.data)"
    at = text.index(end, text.index(solution_line)) + len(end)
    source.write_text(text[:at] + f"        # my first try was: {solution_line}\n" + text[at:])
    assert "gives away a solution line" in run_tito("module", "export", "03", cwd=student).stdout
    report, _ = grade(student, "--module", "03")
    assert set(statuses(report, "03_layers").values()) == {"passed"}, report["modules"]["03_layers"]


def test_the_workspace_copy_of_tito_has_no_say_in_the_grade(student, instructor_record):
    # A learner who rewrites the grading code in their workspace...
    for name in ("cell_runner.py", "verdict.py", "grade.py"):
        (student / "tito" / "grading" / name).write_text("raise SystemExit('the learner was here')\n")
    # ...is graded by the instructor's tito, run from outside the workspace.
    report, _ = grade(student, "--release", instructor_record, "--module", "03")
    assert report["earned"] == 0 and report["possible"] > 0


def test_the_course_repository_itself_grades_without_a_release_and_says_it_is_unverified(workspace):
    report, output = grade(workspace)
    assert report["earned"] == report["possible"] > 0
    assert report["verified"] is False and "no release record" in report["authority"]
    assert "pass --release" in output


def test_finding_no_graded_tests_is_an_error(workspace):
    for source in (workspace / "modules").glob("*/*_dev.py"):
        source.write_text(source.read_text().replace('"grade": true', '"grade": false'))
    result = run_tito("grade", cwd=workspace)
    assert result.returncode == 1
    assert "no graded tests found" in result.stdout


@pytest.mark.parametrize("garbage", ["{not json", '{"schema_version": 1, "modules": []}', ""])
def test_a_damaged_release_record_stops_grading_rather_than_skip_the_tamper_checks(student, garbage):
    (student / ".tito" / "release.json").write_text(garbage)
    result = run_tito("grade", cwd=student)
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert re.search(r"release\.json", result.stdout), result.stdout


def test_a_release_record_inside_the_workspace_is_refused(student):
    result = run_tito("grade", student, "--release", student / ".tito" / "release.json", cwd=student.parent)
    assert result.returncode == 2 and "inside the workspace being graded" in result.stdout, result.stdout


def test_without_bubblewrap_grading_refuses_unless_told_to_run_without_a_sandbox(student, tmp_path):
    copy_reference_sources(student, ["01_tensor"])
    empty = tmp_path / "no-bwrap"
    empty.mkdir()
    result = run_tito("grade", student, "--module", "01", cwd=tmp_path, env={"PATH": str(empty)})
    assert result.returncode == 2 and "bubblewrap (bwrap) is not installed" in result.stdout
    assert "--no-sandbox" in result.stdout
    report, output = grade(student, "--module", "01", "--no-sandbox")
    assert report["sandboxed"] is False and "Graded without a sandbox" in output
    assert report["earned"] == report["possible"] == sum(GRADED["01_tensor"].values())


@pytest.mark.parametrize("damage", ["nul-bytes", "points-not-a-number", "metadata-not-json", "metadata-not-a-map"])
def test_one_broken_module_file_scores_that_module_zero_and_the_others_are_graded(student, instructor_record, damage):
    copy_reference_sources(student, ["01_tensor", "02_activations"])
    source = student / "modules/02_activations/activations_dev.py"
    text = source.read_text()
    marker = '# %% nbgrader={"grade": true, "grade_id": "test-relu", "locked": true, "points": 5}'
    assert text.count(marker) == 1
    broken = {
        "nul-bytes": text.replace("class ReLU(", "class \0ReLU("),
        "points-not-a-number": text.replace(marker, marker.replace('"points": 5', '"points": "five"')),
        "metadata-not-json": text.replace(marker, marker.replace('"locked": true', "locked: yes")),
        "metadata-not-a-map": text.replace(marker, '# %% nbgrader=["grade", "test-relu"]'),
    }[damage]
    source.write_text(broken)
    report, _ = grade(student, "--release", instructor_record, "--module", "01", "--module", "02")
    activations = report["modules"]["02_activations"]
    assert activations["earned"] == 0 and set(activations["tests"]) == set(GRADED["02_activations"])
    for test in activations["tests"].values():
        assert test["status"] in ("error", "tampered") and test["message"], test
    assert set(statuses(report, "01_tensor").values()) == {"passed"}


def _abandoned(tmp):
    return sorted(path.name for path in tmp.iterdir() if path.name.startswith("tito-grade-"))


def test_a_sigterm_leaves_no_gradebook_no_scratch_folder_and_no_process(student, tmp_path):
    copy_reference_sources(student, ["01_tensor", "02_activations", "03_layers"])
    marker = f"{os.getpid()}{time.monotonic_ns() % 10**6}"
    source = student / LAYERS
    text = source.read_text()
    # A cell that starts a process (getting round the guard's refusal) and then never ends.
    source.write_text(text.replace(LAYERS_IMPORTS, LAYERS_IMPORTS + SPAWN + (
        f"subprocess.Popen(['/bin/sleep', '{marker}'], start_new_session=True)\n"
        "while True:\n    pass\n")))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    gradebook = tmp_path / "gradebook.json"
    grader = subprocess.Popen([sys.executable, "-m", "tito", "grade", student, "--module", "03", "--json", gradebook],
                              cwd=tmp_path, env={**os.environ, "TMPDIR": str(tmp)},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_until(lambda: live_processes(marker), grader)
        grader.send_signal(signal.SIGTERM)
        output, _ = grader.communicate(timeout=120)
    finally:
        grader.kill()
    assert grader.returncode == 128 + signal.SIGTERM and "stopped by SIGTERM" in output, output
    assert not gradebook.exists() and _abandoned(tmp) == []
    assert live_processes(marker) == []


def test_the_scratch_folder_of_a_killed_grader_is_removed_by_the_next_one(student, tmp_path):
    import fcntl

    tmp = tmp_path / "tmp"
    (tmp / "tito-grade-killed").mkdir(parents=True)
    (tmp / "tito-grade-killed" / ".lock").write_text("")
    (tmp / "tito-grade-killed" / "workspace").mkdir()
    (tmp / "tito-grade-alive").mkdir()
    with open(tmp / "tito-grade-alive" / ".lock", "w") as alive:
        fcntl.flock(alive, fcntl.LOCK_EX)  # another grader, still at work
        result = run_tito("grade", student, "--module", "01", cwd=tmp_path, env={"TMPDIR": str(tmp)})
    assert result.returncode == 0, result.stdout
    assert _abandoned(tmp) == ["tito-grade-alive"]


def _wait_until(condition, process, limit=120):
    """Poll until `condition()` holds; fail if `process` ends first or `limit` seconds pass."""
    deadline = time.monotonic() + limit
    while not condition():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.1)
