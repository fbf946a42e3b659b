"""Which graded cells a finding of the static scan reaches (tito/grading/review.py); fast, nothing runs.

The `workspace` fixture is a copy of the course's modules and package: every module's
reference source, and the package as the course ships it.
"""

from tito.grading.review import Review
from tito.release_record import is_locked
from tito.sources import read_cells
from tito.workspace import all_modules

PATCH = "np.allclose = lambda *a, **k: True\n"


def review(root, runs_from_record=lambda slug, cell: False):
    return Review(root, all_modules(root), runs_from_record)


def graded(root, slug):
    """{grade_id: cell index} of a module's graded cells."""
    source = next((root / "modules" / slug).glob("*_dev.py"))
    return {cell.nbgrader["grade_id"]: index for index, cell in enumerate(read_cells(source)) if cell.nbgrader.get("grade")}


def add_after(root, slug, marker, code):
    source = next((root / "modules" / slug).glob("*_dev.py"))
    text = source.read_text()
    assert text.count(marker) == 1
    source.write_text(text.replace(marker, marker + code))


def flagged(found, slug):
    return {grade_id for grade_id, index in graded(found.copy, slug).items() if found.findings(slug, index)}


def test_the_course_raises_no_flag(workspace):
    found = review(workspace)
    assert all(found.findings(module.slug, index) == [] for module in all_modules(workspace)
               for index in graded(workspace, module.slug).values())


def test_a_cell_that_is_not_exported_reaches_only_the_graded_cells_after_it(workspace):
    source = workspace / "modules/03_layers/layers_dev.py"
    text = source.read_text()
    demo = text.index("\n# %%", text.index('"grade_id": "test-linear"'))  # the cell after test-linear
    source.write_text(text[:demo] + "\n\n# %%\n" + PATCH + text[demo:])
    found = review(workspace)
    assert flagged(found, "03_layers") == set(graded(workspace, "03_layers")) - {"test-linear"}
    assert flagged(found, "04_losses") == set(), "that cell is not in tinytorch/core/layers.py"
    finding = found.findings("03_layers", graded(workspace, "03_layers")["module-integration"])[0]
    assert finding.path == "modules/03_layers/layers_dev.py" and "numpy.allclose" in finding.construct
    assert source.read_text().split("\n")[finding.line - 1] == PATCH.strip()


def test_an_exported_cell_reaches_every_module_that_imports_it(workspace):
    add_after(workspace, "03_layers", '"grade_id": "sequential", "solution": false}\n#| export\n', PATCH)
    found = review(workspace)
    assert flagged(found, "03_layers") == {"test-module-sequential", "module-integration"}
    assert flagged(found, "04_losses") == set(graded(workspace, "04_losses")), "losses imports tinytorch.core.layers"
    assert flagged(found, "13_transformers") == set(graded(workspace, "13_transformers"))
    assert flagged(found, "02_activations") == set(), "activations never imports layers"


def test_a_changed_file_of_the_package_reaches_every_module_that_imports_it(workspace):
    threads = workspace / "tinytorch" / "threads.py"
    threads.write_text(threads.read_text() + "\nimport numpy\n" + PATCH.replace("np.", "numpy."))
    found = review(workspace)
    assert flagged(found, "01_tensor") == set(graded(workspace, "01_tensor")), "importing tinytorch runs threads.py"
    assert found.findings("01_tensor", 10**6)[0].path == "tinytorch/threads.py"


def test_a_locked_cell_taken_from_the_record_is_not_the_learners_code(workspace):
    add_after(workspace, "03_layers", 'def test_unit_linear_layer():\n', "    " + PATCH.replace("np.", "__import__('numpy').", 1))
    assert flagged(review(workspace), "03_layers") != set()
    from_record = review(workspace, lambda slug, cell: is_locked(cell))
    assert flagged(from_record, "03_layers") == set()
