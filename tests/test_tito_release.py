"""`tito release`: a student workspace with stubs for solutions, a package built from the stubs, no leaks."""

import hashlib
import json
import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, run_tito
from tito.processes import workspace_env
from tito.sources import read_cells
from tito.workspace import all_modules

MODULES = all_modules(REPO)


def solution_lines(sources, min_length=20):
    """The longer lines between the solution markers of reference sources that their other
    lines (docstring hints, say) do not already show; computed independently of tito."""
    found, public = set(), []
    for source in sources:
        inside = False
        for line in source.read_text().split("\n"):
            if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION"):
                inside = line.strip() == "### BEGIN SOLUTION"
            elif inside and len(line.strip()) >= min_length:
                found.add(line.strip())
            elif not inside:
                public.append(line)
    public = "\n".join(public)
    return {line for line in found if line not in public}


def module_test_files():
    """The course's test files whose code (a line of its own, not a string) marks tests as a module's."""
    marked = re.compile(r"^[^\"'#\n]*pytest\.mark\.module\(", re.MULTILINE)  # in code: no quote or comment before it
    return sorted(p.name for p in (REPO / "tests").glob("test_*.py") if marked.search(p.read_text()))


def every_file(root):
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def course(tmp_path):
    """A copy of the whole course repository, to release from after changing it."""
    root = tmp_path / "course"
    ignore = shutil.ignore_patterns("__pycache__", "*.ipynb", ".pytest_cache", ".hypothesis")
    for folder in ("modules", "tinytorch", "tito", "tests"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_release_holds_what_a_learner_needs_and_nothing_generated_from_the_reference(pristine_release):
    w = pristine_release
    for path in ("README.md", "pyproject.toml", "tito/cli.py", "tests/conftest.py", "tinytorch/__init__.py",
                 ".tito/release.json"):
        assert (w / path).is_file(), path
    shipped = sorted(p.name for p in (w / "tests").glob("test_*.py"))
    assert shipped == module_test_files(), "the module tests go along; tito's own tests do not"
    assert not [name for name in shipped if name.startswith("test_tito_")]
    assert not list(w.rglob("*.ipynb")) and not list(w.rglob("__pycache__"))
    assert "!.tito/release.json\n!.tito/released/" in (w / ".gitignore").read_text(), "the record goes into git"
    readme = (w / "README.md").read_text()
    assert "tito module complete" in readme and "| 03_layers | `tinytorch.core.layers` | yours to write |" in readme
    assert '.venv/bin/pip install -e ".[dev,plot]"' in readme and "matplotlib" in readme
    assert "## Milestones" in readme and "| `mlp` |" in readme and "tito milestone run perceptron" in readme
    for module in MODULES:
        generated = (w / "tinytorch/core" / f"{module.name}.py").read_text()
        assert f"GENERATED from modules/{module.slug}/{module.name}_dev.py" in generated
        assert "raise NotImplementedError()" in generated, "the package is exported from the stubs"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_each_solution_region_becomes_nbgraders_stub_at_the_markers_indentation(module, pristine_release):
    expected, inside = [], False
    for line in module.source.read_text().split("\n"):
        if line.strip() == "### BEGIN SOLUTION":
            indent = line[:len(line) - len(line.lstrip())]
            expected += [indent + "# YOUR CODE HERE", indent + "raise NotImplementedError()"]
            inside = True
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif not inside:
            expected.append(line)
    released = (pristine_release / module.source.relative_to(REPO)).read_text()
    assert released.split("\n") == expected
    assert released.count("raise NotImplementedError()") >= module.source.read_text().count("### BEGIN SOLUTION") > 0


def test_no_solution_text_appears_anywhere_in_the_release(pristine_release):
    secrets = solution_lines([module.source for module in MODULES])
    assert len(secrets) > 20
    for path in every_file(pristine_release):
        text = path.read_bytes().decode("utf-8", errors="ignore")
        leaked = [line for line in secrets if line in text]
        assert not leaked, f"{path.relative_to(pristine_release)} holds solution text: {leaked[:3]}"
    for path in every_file(pristine_release / "modules") + every_file(pristine_release / "tinytorch"):
        assert b"### BEGIN SOLUTION" not in path.read_bytes(), path


def test_the_record_has_each_locked_cell_and_the_released_source(pristine_release):
    record = json.loads((pristine_release / ".tito/release.json").read_text())
    assert record["schema_version"] == 1 and set(record["modules"]) == {m.slug for m in MODULES}
    for module in MODULES:
        source = pristine_release / module.source.relative_to(REPO)
        entry = record["modules"][module.slug]
        assert entry["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
        assert (pristine_release / ".tito/released" / f"{module.slug}.py").read_bytes() == source.read_bytes()
        locked = [c for c in read_cells(source) if c.nbgrader.get("grade") or c.nbgrader.get("locked")]
        assert [c["grade_id"] for c in entry["locked_cells"]] == [c.nbgrader["grade_id"] for c in locked]
        for cell, recorded in zip(locked, entry["locked_cells"]):
            assert recorded["sha256"] == hashlib.sha256(cell.source.encode()).hexdigest()
            assert recorded["source"] == cell.source and recorded["grade"] == bool(cell.nbgrader.get("grade"))
            assert recorded.get("points") == cell.nbgrader.get("points"), "points for graded cells, none for locked helpers"


def test_the_released_package_imports_and_its_stubs_raise(pristine_release):
    probe = "import tinytorch\ntry:\n    tinytorch.Linear(2, 3)\nexcept NotImplementedError:\n    print('stub')\n"
    result = subprocess.run([sys.executable, "-c", probe], cwd=pristine_release, env=workspace_env(pristine_release),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "stub", result.stderr


def test_a_catch_up_release_keeps_the_named_modules_solutions(tmp_path):
    out = tmp_path / "catch-up"
    result = run_tito("release", "--out", out, "--solutions", "01,layers", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    for module in MODULES:
        released = (out / module.source.relative_to(REPO)).read_text()
        kept = module.slug in ("01_tensor", "03_layers")
        assert (released == module.source.read_text()) is kept, module.slug
    record = json.loads((out / ".tito/release.json").read_text())
    assert {slug: entry["solutions_kept"] for slug, entry in record["modules"].items()} == {
        module.slug: module.slug in ("01_tensor", "03_layers") for module in MODULES}
    assert "kept (catch-up)" in result.stdout


def test_an_unknown_module_in_solutions_is_refused(tmp_path):
    result = run_tito("release", "--out", tmp_path / "w", "--solutions", "01,convolutions", cwd=REPO)
    assert result.returncode == 2 and "no module called 'convolutions'" in result.stdout
    assert not (tmp_path / "w").exists()


def test_a_folder_that_is_not_empty_is_never_written_to(tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run_tito("release", "--out", out, cwd=REPO)
    assert result.returncode == 2 and "not an empty folder" in result.stdout
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_leak_fails_the_release_and_leaves_nothing_behind(course, tmp_path):
    secret = sorted(solution_lines([course / "modules/03_layers/layers_dev.py"]))[0]
    conftest = course / "tests" / "conftest.py"
    conftest.write_text(conftest.read_text() + f"\n# a hint that says too much: {secret}\n")
    out = tmp_path / "out"
    result = run_tito("release", "--out", out, cwd=course)
    assert result.returncode == 2, result.stdout
    assert "solution text of 03_layers" in result.stdout and "tests/conftest.py" in result.stdout
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_a_package_that_does_not_import_fails_the_release(course, tmp_path):
    init = course / "tinytorch" / "__init__.py"
    init.write_text(init.read_text() + "\nfrom tinytorch.core.layers import NoSuchLayer\n")
    result = run_tito("release", "--out", tmp_path / "out", cwd=course)
    assert result.returncode == 2 and "does not import" in result.stdout and "NoSuchLayer" in result.stdout
    assert not (tmp_path / "out").exists()


def test_a_source_that_fails_the_lint_is_not_released(course, tmp_path):
    source = course / "modules/02_activations/activations_dev.py"
    source.write_text(source.read_text().replace("### END SOLUTION", "### END SOLUTION (ReLU)", 1))
    result = run_tito("release", "--out", tmp_path / "out", cwd=course)
    assert result.returncode == 2 and "stands alone on its line" in result.stdout
    assert not (tmp_path / "out").exists()


def test_only_tests_whose_code_carries_a_module_mark_are_shipped(course, tmp_path):
    (course / "tests" / "test_mentions_the_mark.py").write_text(
        'MARK = "pytest.mark.module(name=\'03_layers\')"  # a string, not a mark\n\ndef test_x():\n    pass\n')
    (course / "tests" / "test_marked_once.py").write_text(
        "import pytest\n\n\n@pytest.mark.module(name='03_layers')\ndef test_x():\n    pass\n")
    out = tmp_path / "out"
    result = run_tito("release", "--out", out, cwd=course)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "tests/test_marked_once.py").is_file() and not (out / "tests/test_mentions_the_mark.py").exists()


def test_a_test_file_that_does_not_parse_stops_the_release(course, tmp_path):
    (course / "tests" / "test_broken.py").write_text("def test_x(:\n    pass\n")
    result = run_tito("release", "--out", tmp_path / "out", cwd=course)
    assert result.returncode == 2 and "test_broken.py" in result.stdout and "does not parse" in result.stdout
    assert not (tmp_path / "out").exists()
