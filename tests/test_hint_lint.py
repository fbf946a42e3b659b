"""The hint lint: no prose of a module source (docstring, comment, markdown) spells out a solution line."""

import pytest

from conftest import run_tito
from tito.export import plan_export
from tito.hints import MIN_LEAK_LENGTH
from tito.solutions import student_text
from tito.sources import SourceError
from tito.workspace import resolve_module

SOLUTION_LINE = "doubled_values = np.asarray(values) * 2"  # 39 characters
SOURCE = '''# %% [markdown]
# # Doubling
# MARKDOWN

# %%
#| default_exp core.layers
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "double", "solution": true}
#| export
def double(values):
    """Twice `values`.

    APPROACH: DOCSTRING
    """
    # COMMENT
    ### BEGIN SOLUTION
    doubled_values = np.asarray(values) * 2
    return doubled_values
    ### END SOLUTION

# %%
#| export
def triple(values):
    CODE
    return np.asarray(values) * 3
'''


def write_module(workspace, **holes):
    """Replace Module 03's source by SOURCE with its placeholders filled (by default with harmless prose)."""
    text = SOURCE
    for hole in ("MARKDOWN", "DOCSTRING", "COMMENT", "CODE"):
        text = text.replace(hole, holes.get(hole.lower(), "pass" if hole == "CODE" else "a step in words"))
    path = workspace / "modules/03_layers/layers_dev.py"
    path.write_text(text)
    return resolve_module(workspace, "03")


@pytest.mark.parametrize("hole, text, line", [
    ("docstring", f"1. {SOLUTION_LINE}", 14),
    ("comment", f"first: {SOLUTION_LINE}", 16),
    ("markdown", f"`{SOLUTION_LINE}`", 3),
    ("code", f'print(f"{SOLUTION_LINE}")', 25),
])
def test_a_solution_line_in_prose_is_refused_with_file_and_line(workspace, hole, text, line):
    module = write_module(workspace, **{hole: text})
    for lint in (lambda: plan_export(module), lambda: student_text(module.source)):  # export and release
        with pytest.raises(SourceError) as caught:
            lint()
        assert caught.value.line == line, (hole, caught.value)
        assert f"gives away a solution line: {SOLUTION_LINE!r} (solution line 18)" in str(caught.value)


@pytest.mark.parametrize("hole, text", [
    ("code", SOLUTION_LINE),  # the same line of code in plain view gives nothing away
    ("docstring", "multiply np.asarray(values) * 2"),  # part of a solution line: the step, not the line
    ("docstring", "return doubled_values"),  # a solution line below MIN_LEAK_LENGTH says nothing
])
def test_code_in_plain_view_and_short_lines_pass(workspace, hole, text):
    assert len("return doubled_values") < MIN_LEAK_LENGTH <= len(SOLUTION_LINE)
    module = write_module(workspace, **{hole: text})
    plan_export(module)
    student_text(module.source)


def test_a_learners_source_has_no_solutions_to_give_away(workspace):
    module = write_module(workspace, docstring=f"1. {SOLUTION_LINE}")
    stubbed = module.source.read_text().replace(f"    {SOLUTION_LINE}\n", "")
    module.source.write_text(stubbed.replace("### BEGIN SOLUTION", "# YOUR CODE HERE").replace(
        "    return doubled_values\n    ### END SOLUTION", "    raise NotImplementedError()"))
    plan_export(module)


def test_export_refuses_the_source_and_writes_nothing(workspace):
    write_module(workspace, docstring=f"1. {SOLUTION_LINE}")
    before = (workspace / "tinytorch/core/layers.py").read_bytes()
    result = run_tito("module", "export", "03", cwd=workspace, env={"COLUMNS": "400"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "layers_dev.py:14: this hint gives away a solution line" in result.stdout
    assert (workspace / "tinytorch/core/layers.py").read_bytes() == before

