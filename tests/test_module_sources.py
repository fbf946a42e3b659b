"""The module sources themselves: inline tests pass, scripts run, notebooks carry nbgrader metadata."""

import subprocess
import sys

import jupytext
import pytest

from conftest import REPO, run_tito
from tito.inline_tests import run_inline_tests
from tito.processes import workspace_env
from tito.workspace import all_modules, resolve_module

MODULES = all_modules(REPO)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_inline_tests_pass(module):
    result = run_inline_tests(module)
    assert not result.problem, result.problem
    failures = [(t["name"], t["message"]) for t in result.tests if t["status"] != "passed"]
    assert not failures and result.ok
    assert result.tests[-1]["name"] == "test_module", "test_module() comes last"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_source_runs_as_a_script(module):
    result = subprocess.run(
        [sys.executable, str(module.source)], cwd=REPO, env=workspace_env(REPO),
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "tito module complete" in result.stdout


def test_layers_script_prints_the_analysis_tables():
    result = subprocess.run(
        [sys.executable, "modules/03_layers/layers_dev.py"], cwd=REPO, env=workspace_env(REPO),
        capture_output=True, text=True, timeout=300,
    )
    assert "Linear layer memory analysis:" in result.stdout
    assert "Hidden= 256: 235,146 params" in result.stdout
    assert "6,422,528" in result.stdout


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_notebook_conversion_keeps_nbgrader_metadata(module, tmp_path):
    target = tmp_path / "module.ipynb"
    subprocess.run([sys.executable, "-m", "jupytext", "--to", "ipynb", str(module.source), "-o", str(target)],
                   check=True, capture_output=True)
    notebook = jupytext.read(target)
    graded = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded and all(c.metadata["nbgrader"]["locked"] and c.metadata["nbgrader"]["points"] > 0 for c in graded)
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    assert first_code.source.startswith("#| default_exp core.")
    assert first_code.metadata["nbgrader"]["solution"] is False


def test_layers_grades_follow_the_seed():
    notebook = jupytext.read(resolve_module(REPO, "03").source)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
              for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert {"test-linear": 15, "test-dropout": 10, "module-integration": 20}.items() <= points.items()


def test_failing_inline_test_is_reported_and_fails(workspace):
    source = workspace / "modules/03_layers/layers_dev.py"
    # Break the learner's Dropout scaling: survivors are no longer scaled by 1/(1-p).
    source.write_text(source.read_text().replace("dtype.type(1.0 / keep)", "dtype.type(1.0)"))
    result = run_tito("module", "test", "03", cwd=workspace)
    assert result.returncode == 1
    assert "test_unit_dropout_layer" in result.stdout and "failed" in result.stdout
    assert "survivors are scaled" in result.stdout


def test_source_that_does_not_load_is_reported(workspace):
    source = workspace / "modules/03_layers/layers_dev.py"
    source.write_text(source.read_text().replace("import numpy as np\n", "import numpy as np\nraise RuntimeError('boom')\n", 1))
    result = run_tito("module", "test", "layers", cwd=workspace)
    assert result.returncode == 1 and "failed to load" in result.stdout and "boom" in result.stdout


def test_a_module_without_tests_is_not_a_success(workspace):
    source = workspace / "modules/03_layers/layers_dev.py"
    source.write_text(source.read_text().replace("def test_", "def check_"))
    result = run_tito("module", "test", "03", cwd=workspace)
    assert result.returncode == 1 and "no test_* functions" in result.stdout


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_output_survives_consoles_without_unicode(workspace, encoding):
    result = subprocess.run(  # in a copy: `module test` records its counts in the workspace's .tito/
        [sys.executable, "-m", "tito", "module", "test", "03"], cwd=workspace, capture_output=True,
        env={**workspace_env(workspace), "PYTHONIOENCODING": encoding}, timeout=300,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"4 of 4 tests passed" in result.stdout
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("module", all_modules(REPO), ids=lambda m: m.slug)
def test_every_graded_assert_says_what_was_expected(module):
    """A graded assert without a message shows the learner only `AssertionError (line 683)`; a
    bare tuple or name is hardly better. Each must carry a message (an f-string, usually)."""
    import ast

    from tito.sources import read_cells

    silent = []
    for cell in read_cells(module.source):
        if not cell.nbgrader.get("grade"):
            continue
        for node in ast.walk(ast.parse(cell.body)):
            if isinstance(node, ast.Assert) and (node.msg is None or isinstance(node.msg, (ast.Tuple, ast.Name))):
                silent.append(f"{module.source.name}:{cell.body_line + node.lineno - 1}: {ast.unparse(node)[:80]}")
    assert not silent, "graded asserts without an expected-vs-got message:\n" + "\n".join(silent)
