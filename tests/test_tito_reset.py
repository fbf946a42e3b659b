"""`tito module reset`: back to the released source, the learner's files backed up first, or nothing changes."""

import pytest

from conftest import run_tito
from tito.progress import load_progress
from tito.reset import ResetError, reset_module
from tito.workspace import resolve_module

LAYERS = "modules/03_layers/layers_dev.py"


def test_reset_restores_the_release_and_keeps_the_learners_work(student):
    source = student / LAYERS
    released = source.read_text()
    mine = released.replace("        # YOUR CODE HERE\n        raise NotImplementedError()\n",
                            "        self.p = p  # my attempt\n", 1)
    source.write_text(mine)
    assert run_tito("module", "notebook", "03", cwd=student).returncode == 0
    assert run_tito("module", "test", "03", cwd=student).returncode == 1  # leaves counts in the progress file

    result = run_tito("module", "reset", "layers", cwd=student)
    assert result.returncode == 0, result.stdout + result.stderr
    assert source.read_text() == released
    kept = sorted((student / ".tito" / "backups").glob("03_layers-*"))
    assert [path.suffix for path in kept] == [".ipynb", ".py"]
    assert next(path for path in kept if path.suffix == ".py").read_text() == mine
    assert "your file was saved as .tito/backups/03_layers-" in result.stdout
    assert "my attempt" not in (student / "modules/03_layers/layers_dev.ipynb").read_text(), "the notebook follows"
    assert "03_layers" not in load_progress(student).modules


def test_reset_refuses_where_there_is_no_release(workspace):
    before = (workspace / LAYERS).read_bytes()
    result = run_tito("module", "reset", "03", cwd=workspace)
    assert result.returncode == 2 and "no released version of 03_layers" in result.stdout
    assert (workspace / LAYERS).read_bytes() == before


def test_reset_refuses_a_damaged_released_copy(student):
    (student / ".tito" / "released" / "03_layers.py").write_text("# not what was released\n")
    (student / LAYERS).write_text("# my work\n" + (student / LAYERS).read_text())
    before = (student / LAYERS).read_bytes()
    with pytest.raises(ResetError, match="is not the source that was released"):
        reset_module(resolve_module(student, "03"))
    assert (student / LAYERS).read_bytes() == before


def test_reset_refuses_when_the_backup_cannot_be_made(student):
    (student / ".tito" / "backups").write_text("a file where the backup folder should be")
    (student / LAYERS).write_text("# my work\n" + (student / LAYERS).read_text())
    before = (student / LAYERS).read_bytes()
    with pytest.raises(ResetError, match="could not back up 03_layers"):
        reset_module(resolve_module(student, "03"))
    assert (student / LAYERS).read_bytes() == before
