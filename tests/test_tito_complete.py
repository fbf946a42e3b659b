"""`tito module complete`: inline tests, export, the module's pytest tests, then (only then) a record."""

import json
import re

import pytest

from conftest import REPO, copy_reference_sources, run_tito
from tito.workspace import all_modules


def progress(root):
    path = root / ".tito" / "progress.json"
    return json.loads(path.read_text()) if path.exists() else None


def test_complete_fails_and_records_nothing_while_stubs_remain(student):
    result = run_tito("module", "complete", "03_layers", cwd=student)
    assert result.returncode == 1
    assert "builds on modules that are not complete yet: 01_tensor, 02_activations" in result.stdout
    result = run_tito("module", "complete", "01", cwd=student)
    assert result.returncode == 1
    assert "(1/4) inline tests of the source: FAILED - 0 of 8 inline tests passed" in result.stdout
    assert "test_unit_tensor_creation error: NotImplementedError" in result.stdout
    assert "step 1 (inline tests of the source) failed; nothing was recorded" in result.stdout
    assert "(2/4)" not in result.stdout, "no step runs after a failed one"
    assert progress(student) is None


def test_a_failing_package_test_fails_step_three_and_records_nothing(student):
    copy_reference_sources(student, ["01_tensor"])
    # The inline tests still pass, but __repr__ no longer says what the tests under tests/ expect.
    source = student / "modules/01_tensor/tensor_dev.py"
    text = source.read_text()
    assert text.count('return f"Tensor({body}, shape={self.shape}, dtype={self.dtype}{grad})"') == 1
    source.write_text(text.replace('return f"Tensor({body}, shape={self.shape}, dtype={self.dtype}{grad})"',
                                   'return f"Tensor({body})"'))
    result = run_tito("module", "complete", "01", cwd=student)
    assert result.returncode == 1
    assert "(2/4) export into tinytorch/core: ok" in result.stdout
    assert re.search(r"\(3/4\) the module's tests under tests/: FAILED - \d+ passed, [1-9]\d* failed", result.stdout)
    assert "test_properties_and_repr" in result.stdout
    assert progress(student) is None


@pytest.mark.slow
def test_no_tests_for_the_module_is_a_failure_not_a_success(student):
    copy_reference_sources(student, ["01_tensor"])
    for test_file in (student / "tests").glob("test_*.py"):
        if '01_tensor' in test_file.read_text():
            test_file.unlink()
    result = run_tito("module", "complete", "01", cwd=student)
    assert result.returncode == 1
    assert "no tests ran" in result.stdout
    assert progress(student) is None


@pytest.mark.slow
def test_every_module_completes_in_order_in_a_fresh_release_with_the_reference_solutions(student):
    """What a learner who writes the reference solutions gets: `complete` passes for every module
    in `modules/`, in order, with nothing but what the release ships (no benchmarks/, no tito tests).
    Module 05's inline tests, say, run backward(), which imports the package's autograd: tito must
    hand them the learner's source under test, not the stub exported at release time."""
    copy_reference_sources(student)
    modules = all_modules(REPO)
    outputs = {}
    for module in modules:
        result = run_tito("module", "complete", module.slug, cwd=student)
        assert result.returncode == 0, f"complete {module.slug} failed:\n{result.stdout}{result.stderr}"
        assert f"{module.slug} is complete and recorded." in result.stdout
        assert re.search(r"\(3/4\) the module's tests under tests/: ok - [1-9]\d* passed, 0 failed, 0 errors",
                         result.stdout), result.stdout
        outputs[module.slug] = result.stdout

    layers_output = outputs["03_layers"]
    assert re.search(r"\(1/4\) inline tests of the source: ok - 4 of 4 inline tests passed", layers_output)
    assert "(2/4) export into tinytorch/core: ok - tinytorch/core/layers.py written" in layers_output
    counts = re.search(r"\(3/4\) the module's tests under tests/: ok - (\d+) passed", layers_output)
    assert int(counts.group(1)) > 20, layers_output
    record = progress(student)
    assert record["schema_version"] == 1 and set(record["modules"]) == {module.slug for module in modules}
    layers = record["modules"]["03_layers"]["completed"]
    assert layers["inline"] == {"passed": 4, "total": 4} and layers["pytest"]["passed"] == int(counts.group(1))

    status = run_tito("module", "status", cwd=student)
    assert status.returncode == 0
    for module in modules:
        assert re.search(rf"{module.slug}\s+\S\s+complete", status.stdout), status.stdout
    assert f"{len(modules)} of {len(modules)} modules complete" in status.stdout and "Next:" not in status.stdout
