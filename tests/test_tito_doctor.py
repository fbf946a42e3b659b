"""`tito doctor`: one row per check, a fix for each failure, non-zero exit when any fails."""

import re
import sys
import tomllib

from conftest import NO_BLAS_THREAD_SETTING, REPO, run_tito
from tito import MIN_PYTHON
from tito.learner_readme import learner_readme

LAYERS = "modules/03_layers/layers_dev.py"


def doctor(cwd):
    # Wide enough for one line a row; no BLAS thread count in the environment, so tinytorch's default shows.
    return run_tito("doctor", cwd=cwd, env={"COLUMNS": "400", **NO_BLAS_THREAD_SETTING})


def row(output, name):
    """The doctor table's row for the check `name`."""
    lines = [line for line in output.splitlines() if re.match(rf"\W*{re.escape(name)}\W", line)]
    assert len(lines) == 1, f"no single row {name!r} in:\n{output}"
    return lines[0]


def test_a_sound_workspace_passes_every_check(student):
    result = doctor(student)
    assert result.returncode == 0, result.stdout
    assert "Everything is ready." in result.stdout
    assert "a student release" in row(result.stdout, "release record")
    blas = row(result.stdout, "BLAS")
    assert re.search(r"openblas \S+ \(\w+ kernel\), 1 thread: tinytorch's default; \d+ cores usable", blas), blas


def test_each_problem_gets_a_failed_row_and_a_fix(student):
    source = student / LAYERS
    lines = source.read_text().split("\n")
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("    def _check_input(self, x):"))
    lines[number - 1] = "    def _check_input(self, x)"
    source.write_text("\n".join(lines))
    (student / "tinytorch/core/tensor.py").write_text("# edited by hand\n")
    progress = student / ".tito" / "progress.json"
    progress.write_text("{ not json")

    result = doctor(student)
    assert result.returncode == 1
    sources = row(result.stdout, "module sources")
    assert "layers_dev.py:" in sources and "syntax error" in sources and "fix the source" in sources
    assert "tinytorch/core/tensor.py" in row(result.stdout, "export in sync")
    assert "tito module export" in row(result.stdout, "export in sync")
    assert "not readable JSON" in row(result.stdout, "progress file")
    assert progress.read_text() == "{ not json", "doctor only looks"
    # The hand-edited package file no longer defines Tensor, so the package does not import either.
    assert "ImportError" in row(result.stdout, "tinytorch imports") and "tito module export" in row(result.stdout, "tinytorch imports")
    assert "4 check(s) failed: tinytorch imports, module sources, export in sync, progress file." in result.stdout


def test_outside_a_workspace_the_workspace_check_fails(tmp_path):
    result = doctor(tmp_path)
    assert result.returncode == 1
    assert "no tinytorch workspace" in row(result.stdout, "workspace")


def test_one_python_floor_everywhere():
    """pyproject, the README, the learners' README and doctor (which reads MIN_PYTHON) agree."""
    floor = ".".join(map(str, MIN_PYTHON))
    assert tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"] == f">={floor}"
    assert f"with Python {floor} (or newer)" in (REPO / "README.md").read_text()
    assert f"With Python {floor} or newer:" in learner_readme([])
    assert sys.version_info[:2] >= MIN_PYTHON, "the tests run on a Python the floor allows"


def test_doctor_names_the_floor_on_an_older_python(monkeypatch):
    from tito import doctor

    monkeypatch.setattr(doctor, "MIN_PYTHON", (sys.version_info[0], sys.version_info[1] + 1))
    check = doctor._python()
    assert not check.ok and f"install Python {sys.version_info[0]}.{sys.version_info[1] + 1} or newer" in check.fix
