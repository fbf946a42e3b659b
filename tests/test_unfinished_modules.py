"""When an earlier module is still a stub, every command names it instead of the learner's own line."""

import json
import re
import shutil

import pytest

from conftest import copy_reference_sources, run_tito

FIRST_STUB = "Module 01_tensor is not finished: the stub at tinytorch/core/tensor.py:"


def test_grade_names_the_unfinished_module(student):
    copy_reference_sources(student, ["02_activations", "03_layers"])  # Module 01 is still the release's stubs
    gradebook = student.parent / "gradebook.json"
    result = run_tito("grade", student, "--module", "03", "--json", gradebook, cwd=student.parent)
    assert result.returncode == 0, result.stdout
    for grade_id, test in json.loads(gradebook.read_text())["modules"]["03_layers"]["tests"].items():
        assert test["status"] == "error" and test["message"].startswith(FIRST_STUB), (grade_id, test["message"])
        assert "tito module complete 01_tensor" in test["message"]


def test_module_test_names_the_unfinished_module(student):
    copy_reference_sources(student, ["02_activations", "03_layers"])
    run_tito("module", "export", cwd=student)
    result = run_tito("module", "test", "03", cwd=student)
    assert result.returncode == 1 and FIRST_STUB in " ".join(result.stdout.split()), result.stdout


@pytest.mark.slow  # completes two modules first
def test_complete_names_the_unfinished_module_when_an_earlier_one_was_undone(student):
    copy_reference_sources(student, ["01_tensor", "02_activations", "03_layers"])
    for slug in ("01", "02"):
        assert run_tito("module", "complete", slug, cwd=student).returncode == 0
    # The learner puts Module 01 back to its stubs by hand (progress still says complete) and exports it.
    shutil.copy(student / ".tito/released/01_tensor.py", student / "modules/01_tensor/tensor_dev.py")
    run_tito("module", "export", "01", cwd=student)
    result = run_tito("module", "complete", "03", cwd=student)
    assert result.returncode == 1 and FIRST_STUB in " ".join(result.stdout.split()), result.stdout


def test_a_milestone_names_the_unfinished_module_in_one_line(student):
    result = run_tito("milestone", "run", "perceptron", cwd=student)  # nothing is solved in a fresh release
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert re.fullmatch(r"Module 0\d_[a-z]+ is not finished: the stub at tinytorch/core/[a-z]+\.py:\d+ still raises "
                        r"NotImplementedError\. Finish it first \(`tito module complete 0\d_[a-z]+`\)\. "
                        r"Then run this milestone again\.\n", result.stderr), result.stderr
