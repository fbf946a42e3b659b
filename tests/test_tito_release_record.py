"""The instructor's copy of the release record: written beside the release, checked whenever it is read."""

import json
import math
from pathlib import Path

import pytest

from conftest import REPO, run_tito
from tito.release import make_release
from tito.release_record import checked_record
from tito.state import StateError


def test_the_instructors_record_is_beside_the_release_and_says_what_the_workspace_copy_says(pristine_release,
                                                                                          instructor_record):
    assert instructor_record.parent == pristine_release.parent
    assert instructor_record.read_bytes() == (pristine_release / ".tito" / "release.json").read_bytes()
    record = json.loads(instructor_record.read_text())
    assert record["modules"]["03_layers"]["imports"] == {"np": "numpy"}
    assert record["modules"]["07_training"]["imports"]["json"] == "json"
    assert checked_record(record, "record")["modules"] == record["modules"]


def test_record_names_where_it_goes_and_a_record_inside_the_release_is_refused(tmp_path):
    out, record = tmp_path / "cohort", tmp_path / "keep" / "cohort.json"
    record.parent.mkdir()
    result = run_tito("release", "--out", out, "--record", record, cwd=REPO)
    assert result.returncode == 0 and record.is_file() and f"{record}" in " ".join(result.stdout.split())
    refused = run_tito("release", "--out", tmp_path / "other", "--record", tmp_path / "other" / "r.json", cwd=REPO)
    assert refused.returncode == 2 and "inside the student release" in refused.stdout
    assert not (tmp_path / "other").exists()


def test_an_existing_record_is_never_overwritten(tmp_path):
    record = tmp_path / "cohort.release-record.json"
    record.write_text("an older cohort's record")
    result = run_tito("release", "--out", tmp_path / "cohort", cwd=REPO)
    assert result.returncode == 2 and "already exists" in result.stdout
    assert record.read_text() == "an older cohort's record" and not (tmp_path / "cohort").exists()


def test_a_release_that_fails_at_its_last_step_leaves_no_record(tmp_path, monkeypatch):
    def refuse(self, target):
        raise OSError(f"cannot rename {self.name}")

    monkeypatch.setattr(Path, "rename", refuse)  # the record is written; putting the release in place fails
    with pytest.raises(OSError, match="cannot rename"):
        make_release(REPO, tmp_path / "cohort")
    assert list(tmp_path.iterdir()) == []


def _damaged(record, how):
    cell = record["modules"]["03_layers"]["locked_cells"][0]
    if how == "source-edited":
        cell["source"] += "\n    return"
    elif how == "points-missing":
        del cell["points"]
    elif how == "points-not-finite":
        cell["points"] = math.inf
    elif how == "grade-not-a-flag":
        cell["grade"] = "yes"
    elif how == "imports-not-a-map":
        record["modules"]["03_layers"]["imports"] = ["numpy"]
    return record


@pytest.mark.parametrize("how", ["source-edited", "points-missing", "points-not-finite", "grade-not-a-flag",
                                 "imports-not-a-map"])
def test_a_damaged_record_is_refused_with_the_module_named(instructor_record, how):
    record = _damaged(json.loads(instructor_record.read_text()), how)
    with pytest.raises(StateError, match="the record of 03_layers is damaged"):
        checked_record(record, "record")
