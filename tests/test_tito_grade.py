"""`tito grade`: the workspace's own sources, each graded cell in its own process, honest statuses."""

import json
import re

import pytest

from conftest import REPO, copy_reference_sources, run_tito
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
    result = run_tito("grade", root, "--json", root / "g.json", *extra, cwd=cwd or root)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((root / "g.json").read_text()), result.stdout


def statuses(report, slug):
    return {grade_id: test["status"] for grade_id, test in report["modules"][slug]["tests"].items()}


def cell_text(text, grade_id):
    """The text of the cell with `grade_id`, from its marker line to the next marker."""
    start = text.index(f'"grade_id": "{grade_id}"')
    start = text.rindex("# %%", 0, start)
    return text[start:text.index("\n# %%", start) + 1]


def test_the_untouched_release_scores_zero_on_every_graded_test(student):
    report, output = grade(student)
    assert set(report["modules"]) == set(GRADED)
    assert report["earned"] == 0 and report["possible"] == sum(sum(points.values()) for points in GRADED.values())
    for slug, points in GRADED.items():
        tests = report["modules"][slug]["tests"]
        assert {grade_id: test["possible"] for grade_id, test in tests.items()} == points
        for grade_id, test in tests.items():
            assert (test["earned"], test["status"]) == (0, "error"), (slug, grade_id)
            assert "NotImplementedError" in test["message"], test["message"]
    assert f"Total: 0 of {report['possible']} points from {sum(map(len, GRADED.values()))} graded tests." in output


def test_the_reference_sources_score_full_points(student):
    copy_reference_sources(student)
    report, _ = grade(student)
    assert report["earned"] == report["possible"] > 0
    for slug in GRADED:
        assert set(statuses(report, slug).values()) == {"passed"}
        assert all("message" not in test for test in report["modules"][slug]["tests"].values())


def test_a_seeded_dropout_bug_costs_exactly_the_tests_that_exercise_it(student):
    copy_reference_sources(student)
    source = student / LAYERS
    text = source.read_text()
    assert text.count("dtype.type(1.0 / keep)") == 1
    source.write_text(text.replace("dtype.type(1.0 / keep)", "dtype.type(self.p)"))  # survivors scaled by p
    report, _ = grade(student)
    layers = statuses(report, "03_layers")
    assert {grade_id for grade_id, status in layers.items() if status != "passed"} == {"test-dropout", "module-integration"}
    assert layers["test-dropout"] == layers["module-integration"] == "failed"
    assert "1/(1-p)" in report["modules"]["03_layers"]["tests"]["test-dropout"]["message"]
    lost = GRADED["03_layers"]["test-dropout"] + GRADED["03_layers"]["module-integration"]
    assert report["modules"]["03_layers"]["earned"] == report["modules"]["03_layers"]["possible"] - lost
    assert report["earned"] == report["possible"] - lost


def test_edited_removed_or_repointed_graded_cells_are_tampered_and_not_run(student):
    copy_reference_sources(student, ["01_tensor", "02_activations"])  # 03 keeps its stubs
    source = student / LAYERS
    text = source.read_text()
    # A test that passes without looking, more points for another, and one test gone.
    text = text.replace("def test_unit_linear_layer():\n", "def test_unit_linear_layer():\n    return\n")
    text = text.replace('"grade_id": "test-dropout", "locked": true, "points": 10', '"grade_id": "test-dropout", "locked": true, "points": 99')
    text = text.replace(cell_text(text, "test-module-sequential"), "")
    source.write_text(text)
    report, _ = grade(student)
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
    report, _ = grade(student, "--timeout", "3")
    layers = statuses(report, "03_layers")
    assert layers == {"test-linear": "passed", "test-dropout": "timeout",
                      "test-module-sequential": "timeout", "module-integration": "timeout"}
    assert "3 seconds" in report["modules"]["03_layers"]["tests"]["test-dropout"]["message"]
    for slug in ("01_tensor", "02_activations"):
        assert set(statuses(report, slug).values()) == {"passed"}


def test_a_module_that_does_not_export_scores_zero_and_the_others_are_graded(student):
    copy_reference_sources(student)
    source = student / "modules/02_activations/activations_dev.py"
    lines = source.read_text().split("\n")
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("class ReLU("))
    lines[number - 1] = lines[number - 1].rstrip(":")
    source.write_text("\n".join(lines))
    report, _ = grade(student)
    for grade_id, test in report["modules"]["02_activations"]["tests"].items():
        assert test["status"] == "error" and test["earned"] == 0, grade_id
        assert f"activations_dev.py:{number}" in test["message"] and "could not be exported" in test["message"]
    assert set(statuses(report, "01_tensor").values()) == {"passed"}


def test_the_workspace_copy_of_tito_has_no_say_in_the_grade(student, tmp_path):
    # A learner who rewrites the grading code in their workspace...
    (student / "tito" / "grade_runner.py").write_text(
        "import json, sys\njson.dump({'status': 'passed', 'message': None, 'seconds': 0}, open(sys.argv[2], 'w'))\n")
    # ...is graded by the instructor's tito, run from outside the workspace.
    report, _ = grade(student, cwd=tmp_path)
    assert report["earned"] == 0


def test_the_course_repository_itself_grades_without_a_release(workspace):
    report, _ = grade(workspace)
    assert report["earned"] == report["possible"] > 0


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
