"""Real nbgrader is the oracle: tito's release agrees with nbgrader's own solution clearing.

nbgrader has an extra of its own (`.[nbgrader]`): without it these tests are skipped with that
reason, except in CI, which installs it and sets TINYTORCH_REQUIRE_NBGRADER=1.

For each module, nbgrader's ClearSolutions preprocessor is run on the reference notebook
that `tito module notebook` writes; the notebook of tito's released source must match it
cell for cell. nbgrader's metadata validator must accept both notebooks as they are.
"""

import subprocess
import sys

import jupytext
import pytest

from conftest import REPO, require_package

require_package("nbgrader", "TINYTORCH_REQUIRE_NBGRADER",
                'nbgrader not installed: these tests check releases against it (pip install -e ".[nbgrader]")')
from nbgrader.nbgraderformat import MetadataValidator  # noqa: E402
from nbgrader.preprocessors import ClearSolutions  # noqa: E402
from tito.notebooks import notebook_from_source
from tito.workspace import all_modules

MODULES = all_modules(REPO)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_release_agrees_with_nbgrader_clear_solutions(module, pristine_release, tmp_path):
    reference = notebook_from_source(module.source.read_text(encoding="utf-8"))
    MetadataValidator().validate_nb(reference)
    expected, _ = ClearSolutions().preprocess(reference, {})

    # The learner's notebook of the released source, made by jupytext itself.
    released = pristine_release / module.source.relative_to(REPO)
    notebook = tmp_path / f"{module.name}_dev.ipynb"
    subprocess.run([sys.executable, "-m", "jupytext", "--to", "ipynb", str(released), "-o", str(notebook)],
                   check=True, capture_output=True)
    ours = jupytext.read(notebook)

    assert len(ours.cells) == len(expected.cells)
    for index, (mine, theirs) in enumerate(zip(ours.cells, expected.cells)):
        assert mine.cell_type == theirs.cell_type, index
        assert mine.source == theirs.source, f"cell {index} differs from nbgrader's"
        assert mine.metadata.get("nbgrader", {}).get("grade_id") == theirs.metadata.get("nbgrader", {}).get("grade_id")
    stubs = sum(cell.source.count("raise NotImplementedError()") for cell in ours.cells)
    assert stubs > 0 and "BEGIN SOLUTION" not in notebook.read_text()


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_nbgrader_accepts_the_notebooks_tito_writes(module, pristine_release):
    for source in (module.source, pristine_release / module.source.relative_to(REPO)):
        MetadataValidator().validate_nb(notebook_from_source(source.read_text(encoding="utf-8")))


def test_the_comparison_is_not_vacuous():
    """nbgrader really changes the reference notebook, so agreeing with it means something."""
    module = MODULES[-1]
    reference = notebook_from_source(module.source.read_text(encoding="utf-8"))
    expected, _ = ClearSolutions().preprocess(notebook_from_source(module.source.read_text(encoding="utf-8")), {})
    assert [c.source for c in reference.cells] != [c.source for c in expected.cells]
