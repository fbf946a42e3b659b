"""`tito module export`: deterministic, idempotent, atomic, and clear about bad sources."""

import pytest

from conftest import REPO, run_tito
from tito.export import plan_export, plan_exports
from tito.solutions import student_text
from tito.sources import SourceError, read_cells
from tito.workspace import WorkspaceError, all_modules, find_root, resolve_module

LAYERS = "modules/03_layers/layers_dev.py"


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "tinytorch").rglob("*.py")}


def test_repository_package_is_in_sync_with_sources():
    result = run_tito("module", "export", "--check", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_export_is_idempotent(workspace):
    first = run_tito("module", "export", cwd=workspace)
    assert first.returncode == 0, first.stdout + first.stderr
    before = snapshot(workspace)
    second = run_tito("module", "export", cwd=workspace)
    assert second.returncode == 0 and "(written)" not in second.stdout
    assert snapshot(workspace) == before


def test_generated_file_names_source_and_lists_public_names(workspace):
    plan = plan_export(resolve_module(workspace, "03"))
    assert plan.target == workspace / "tinytorch" / "core" / "layers.py"
    assert "GENERATED from modules/03_layers/layers_dev.py" in plan.text
    for name in ("Module", "Linear", "Dropout", "Sequential", "lecun_normal", "kaiming_uniform"):
        assert f'    "{name}",' in plan.text
    assert '"_check_fans"' not in plan.text, "private names are not exported in __all__"
    assert "#| export" not in plan.text and "#| default_exp" not in plan.text
    assert "def test_" not in plan.text and "analyze_layer_memory" not in plan.text, "only #| export cells"


def test_check_catches_a_stale_target_until_the_next_export(workspace):
    source = workspace / LAYERS
    text = source.read_text()
    source.write_text(text.replace('return f"Dropout(p={self.p})"', 'return f"Dropout(p = {self.p})"'))
    stale = run_tito("module", "export", "--check", cwd=workspace)
    assert stale.returncode == 1 and "tinytorch/core/layers.py" in stale.stdout
    assert "Dropout(p = " not in (workspace / "tinytorch/core/layers.py").read_text(), "--check writes nothing"
    assert run_tito("module", "export", "layers", cwd=workspace).returncode == 0
    assert run_tito("module", "export", "--check", cwd=workspace).returncode == 0


def test_editing_prose_does_not_make_the_package_stale(workspace):
    source = workspace / LAYERS
    source.write_text(source.read_text().replace("# ## 1. What is a layer?", "# ## 1. What is a layer, really?"))
    assert run_tito("module", "export", "--check", cwd=workspace).returncode == 0


def test_syntax_error_names_file_and_line_and_writes_nothing(workspace):
    source = workspace / LAYERS
    lines = source.read_text().split("\n")
    line_number = next(i for i, line in enumerate(lines, 1) if line.startswith("    def _check_input(self, x):"))
    lines[line_number - 1] = "    def _check_input(self, x)"  # missing colon
    source.write_text("\n".join(lines))
    (workspace / "tinytorch/core/tensor.py").unlink()  # a module that *would* be written
    before = snapshot(workspace)
    result = run_tito("module", "export", cwd=workspace)
    assert result.returncode == 2
    assert f"layers_dev.py:{line_number}:" in result.stdout.replace("\n", ""), result.stdout
    assert "syntax error" in result.stdout
    assert snapshot(workspace) == before, "no file may be written when any source is broken"


def test_missing_default_exp_is_a_clear_error(workspace):
    source = workspace / LAYERS
    source.write_text(source.read_text().replace("#| default_exp core.layers\n", ""))
    with pytest.raises(SourceError, match="no `#| default_exp"):
        plan_export(resolve_module(workspace, "layers"))
    result = run_tito("module", "export", "03", cwd=workspace)
    assert result.returncode == 2 and "default_exp" in result.stdout


def test_unknown_directive_is_refused(workspace):
    source = workspace / LAYERS
    source.write_text(source.read_text().replace("#| export\nclass Dropout", "#| exprot\nclass Dropout"))
    with pytest.raises(SourceError, match="unknown directive '#| exprot'"):
        plan_export(resolve_module(workspace, "03"))


def test_solution_cell_without_markers_cannot_be_released(workspace):
    source = workspace / LAYERS
    text = source.read_text()
    start = text.index('# %% nbgrader={"grade": false, "grade_id": "dropout-layer"')
    cell = text[start:text.index("# %% [markdown]", start)]
    unmarked = "\n".join(line for line in cell.split("\n") if "### " not in line)
    source.write_text(text.replace(cell, unmarked))
    with pytest.raises(SourceError, match="'dropout-layer' needs matching"):
        student_text(source)
    # A learner's source has stubs where the regions were: it still exports.
    assert plan_export(resolve_module(workspace, "03")).text


def test_imports_cell_must_not_be_a_solution_cell(workspace):
    source = workspace / LAYERS
    source.write_text(source.read_text().replace(
        '"grade_id": "imports", "solution": false', '"grade_id": "imports", "solution": true'))
    with pytest.raises(SourceError, match="default_exp` cell must not be a solution cell"):
        plan_export(resolve_module(workspace, "03"))


def test_two_modules_cannot_share_a_target(workspace):
    source = workspace / "modules/02_activations/activations_dev.py"
    source.write_text(source.read_text().replace("#| default_exp core.activations", "#| default_exp core.layers"))
    with pytest.raises(SourceError, match="exports to layers.py"):
        plan_exports(all_modules(workspace))


def test_cells_know_their_lines_and_metadata():
    cells = read_cells(REPO / LAYERS)
    lines = (REPO / LAYERS).read_text().split("\n")
    code = [cell for cell in cells if cell.kind == "code"]
    assert len(code) > 10
    for cell in code:
        assert cell.line > 0 and lines[cell.line - 1] == cell.source.split("\n")[0]
    graded = {c.nbgrader["grade_id"]: c.nbgrader["points"] for c in cells if c.nbgrader.get("grade")}
    assert graded["test-linear"] == 15 and graded["test-dropout"] == 10 and graded["module-integration"] == 20



def test_a_file_read_twice_is_parsed_once_yet_edits_and_callers_changes_never_leak(workspace):
    # tito grade reads every source several times; jupytext's parse is remembered by the text.
    path = workspace / LAYERS
    first = read_cells(path)
    first[0].metadata["changed_by_a_caller"] = True
    next(cell for cell in first if cell.nbgrader.get("grade")).nbgrader["points"] = 0
    again = read_cells(path)
    assert "changed_by_a_caller" not in again[0].metadata
    assert {c.nbgrader["points"] for c in again if c.nbgrader.get("grade")} == {15, 10, 20}
    path.write_text(path.read_text().replace('"points": 15', '"points": 16', 1))
    assert 16 in {c.nbgrader["points"] for c in read_cells(path) if c.nbgrader.get("grade")}

@pytest.mark.parametrize("name", ["03", "3", "layers", "03_layers", "LAYERS", "layers_dev"])
def test_module_names(name):
    assert resolve_module(REPO, name).slug == "03_layers"


def test_unknown_module_lists_the_known_ones():
    with pytest.raises(WorkspaceError, match="no module called 'convolutions'.*01_tensor, 02_activations, 03_layers"):
        resolve_module(REPO, "convolutions")
    result = run_tito("module", "test", "99", cwd=REPO)
    assert result.returncode == 2 and "no module called '99'" in result.stdout


def test_outside_a_workspace(tmp_path):
    with pytest.raises(WorkspaceError, match="no tinytorch workspace"):
        find_root(tmp_path)
    assert run_tito("module", "export", cwd=tmp_path).returncode == 2


@pytest.mark.parametrize("old, new, message", [
    # nbgrader reads these words as a marker on any line, even in prose, and then refuses the notebook.
    ("# ## 1. What is a layer?", "# ## 1. What is a layer? (see BEGIN SOLUTION below)", "outside a solution code cell"),
    ("        ### END SOLUTION\n\n    def forward(self, x):", "        ### END SOLUTION here\n\n    def forward(self, x):",
     "stands alone on its line"),
    ("        ### END SOLUTION\n\n    def forward(self, x):", "        ### BEGIN SOLUTION\n\n    def forward(self, x):",
     "unnested"),
])
def test_solution_markers_are_linted_the_way_nbgrader_reads_them(workspace, old, new, message):
    source = workspace / LAYERS
    text = source.read_text()
    assert text.count(old) == 1
    source.write_text(text.replace(old, new))
    with pytest.raises(SourceError, match=message):
        plan_export(resolve_module(workspace, "03"))
