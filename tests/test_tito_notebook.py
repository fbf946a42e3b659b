"""`tito module notebook`: notebooks made with jupytext, kept in step with the .py both ways, run headless."""

import json

import nbformat
import pytest

from conftest import REPO, run_tito
from tito.notebooks import NotebookConflict, sync_module
from tito.sources import SourceError
from tito.workspace import all_modules, resolve_module

LAYERS = "modules/03_layers/layers_dev.py"
NOTEBOOK = "modules/03_layers/layers_dev.ipynb"


def make_notebook(root):
    """What `tito module notebook 03` does, in this process (each tito process costs seconds)."""
    return sync_module(resolve_module(root, "03"))


def edit_notebook(root, old, new):
    """Change a cell of the notebook the way Jupyter would save it (outputs, ids and all)."""
    path = root / NOTEBOOK
    notebook = nbformat.read(path, as_version=4)
    cell = next(cell for cell in notebook.cells if old in cell.source)
    cell.source = cell.source.replace(old, new)
    cell.metadata["editable"] = True  # Jupyter adds metadata of its own; the .py must not get it
    nbformat.write(notebook, path)


def backups(root):
    folder = root / ".tito" / "backups"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_notebook_has_every_cell_and_the_metadata_nbgrader_needs(workspace):
    result = run_tito("module", "notebook", "03", cwd=workspace)
    assert result.returncode == 0 and f"wrote {NOTEBOOK}" in result.stdout
    notebook = nbformat.read(workspace / NOTEBOOK, as_version=4)
    assert notebook.cells[1].source.startswith("#| default_exp core.layers")
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"] for c in notebook.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    assert graded["test-linear"] == {"grade": True, "grade_id": "test-linear", "locked": True, "points": 15,
                                     "schema_version": 3, "solution": False}
    again = make_notebook(workspace)
    assert "are in step" in again.message and not again.wrote


def test_a_notebook_edit_flows_back_into_the_py_and_nothing_else_changes(workspace):
    make_notebook(workspace)
    before = (workspace / LAYERS).read_text()
    edit_notebook(workspace, 'return f"Dropout(p={self.p})"', 'return f"Dropout(p={self.p!r})"')
    result = make_notebook(workspace)
    assert result.message == f"updated {LAYERS} from {NOTEBOOK}, which was newer"
    after = (workspace / LAYERS).read_text()
    assert after == before.replace('return f"Dropout(p={self.p})"', 'return f"Dropout(p={self.p!r})"')
    assert backups(workspace) and backups(workspace)[0].startswith("03_layers-") and backups(workspace)[0].endswith(".py")


def test_a_py_edit_flows_into_the_notebook(workspace):
    make_notebook(workspace)
    source = workspace / LAYERS
    source.write_text(source.read_text().replace("# ## 1. What is a layer?", "# ## 1. What is a layer, really?"))
    result = make_notebook(workspace)
    assert result.message == f"updated {NOTEBOOK} from {LAYERS}, which was newer"
    assert "What is a layer, really?" in (workspace / NOTEBOOK).read_text()


def test_when_both_changed_neither_is_overwritten_until_the_learner_chooses(workspace):
    make_notebook(workspace)
    source = workspace / LAYERS
    source.write_text(source.read_text().replace("# ## 1. What is a layer?", "# ## 1. Edited in the .py"))
    edit_notebook(workspace, "## 1. What is a layer?", "## 1. Edited in the notebook")
    py_before, notebook_before = source.read_bytes(), (workspace / NOTEBOOK).read_bytes()

    for command in (("module", "notebook", "03"), ("module", "test", "03"), ("module", "complete", "03")):
        result = run_tito(*command, cwd=workspace)
        assert result.returncode == 2, command
        assert "have both changed since they were last in step" in result.stdout and "--from" in result.stdout
        assert source.read_bytes() == py_before and (workspace / NOTEBOOK).read_bytes() == notebook_before

    result = run_tito("module", "notebook", "03", "--from", "notebook", cwd=workspace)
    assert result.returncode == 0 and f"updated {LAYERS} from {NOTEBOOK}" in result.stdout
    assert "Edited in the notebook" in source.read_text() and "Edited in the .py" not in source.read_text()
    assert any(name.endswith(".py") for name in backups(workspace)), "the .py edit is kept in a backup"


def test_without_a_record_differing_files_are_a_conflict_and_a_damaged_record_is_rebuilt(workspace):
    make_notebook(workspace)
    state = workspace / ".tito" / "notebooks.json"
    state.write_text("{ truncated")
    result = make_notebook(workspace)
    assert "notebooks.json was unusable" in result.notice
    assert json.loads(state.read_text())["schema_version"] == 1
    state.unlink()
    edit_notebook(workspace, "## 1. What is a layer?", "## 1. Which file is newer?")
    with pytest.raises(NotebookConflict, match="no record of them being in step"):
        make_notebook(workspace)


def test_running_the_notebook_does_not_count_as_changing_it(workspace):
    make_notebook(workspace)
    path = workspace / NOTEBOOK
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="ran\n")]
            cell.execution_count = 1
    nbformat.write(notebook, path)
    source = workspace / LAYERS
    source.write_text(source.read_text().replace("# ## 1. What is a layer?", "# ## 1. Edited after a run"))
    assert make_notebook(workspace).message == f"updated {NOTEBOOK} from {LAYERS}, which was newer"


def test_tito_tests_the_notebook_when_the_learner_worked_there(workspace):
    make_notebook(workspace)
    # The learner breaks Dropout's scaling in the notebook only.
    edit_notebook(workspace, "dtype.type(1.0 / keep)", "dtype.type(1.0)")
    result = run_tito("module", "test", "03", cwd=workspace)
    assert f"updated {LAYERS} from {NOTEBOOK}" in result.stdout
    assert result.returncode == 1 and "test_unit_dropout_layer" in result.stdout


@pytest.mark.slow  # a Jupyter kernel runs every cell of every module
@pytest.mark.parametrize("module", all_modules(REPO), ids=lambda m: m.slug)
def test_every_module_notebook_runs_headless_without_error(workspace, module):
    result = run_tito("module", "notebook", module.slug, "--execute", cwd=workspace)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Every code cell ran without error." in result.stdout
    notebook = nbformat.read(workspace / module.notebook.relative_to(REPO), as_version=4)
    outputs = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    assert f"Next: tito module complete {module.slug}" in outputs, "the module test ran in the kernel"


def test_a_failing_cell_is_named_with_its_exception(student):
    result = run_tito("module", "notebook", "01", "--execute", cwd=student)
    assert result.returncode == 1
    assert "(test-tensor-creation (def test_unit_tensor_creation():)) failed: NotImplementedError" in result.stdout
    assert result.stdout.count("failed") == 1, "execution stops at the first failing cell"


def test_a_broken_notebook_is_reported_and_can_be_rebuilt_from_the_py(workspace):
    make_notebook(workspace)
    (workspace / NOTEBOOK).write_text('{"cells": [')  # Jupyter died while saving
    with pytest.raises(SourceError, match="cannot read this notebook .*--from py"):
        make_notebook(workspace)
    result = sync_module(resolve_module(workspace, "03"), prefer="py")
    assert result.message == f"updated {NOTEBOOK} from {LAYERS}"
    assert nbformat.read(workspace / NOTEBOOK, as_version=4).cells
    assert any(name.endswith(".ipynb") for name in backups(workspace)), "even a broken notebook is kept"
