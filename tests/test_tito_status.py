"""`tito module list` / `status`: every module's state and counts; a damaged progress file is rebuilt."""

import json
import re

import pytest

from conftest import REPO, run_tito
from tito.progress import load_progress
from tito.workspace import all_modules


def states(output):
    """{module: state} read from the status table (whatever box characters the console drew)."""
    return dict(re.findall(r"(\d\d_[a-z_]+)\W+(not started|in progress|complete)", output))


def test_a_fresh_release_is_not_started_and_says_what_comes_next(student):
    result = run_tito("module", "status", cwd=student)
    assert result.returncode == 0
    assert states(result.stdout) == {module.slug: "not started" for module in all_modules(REPO)}
    assert f"0 of {len(all_modules(REPO))} modules complete (a student release)." in result.stdout
    assert "Next: work on 01_tensor, then `tito module complete 01_tensor`." in result.stdout


def test_editing_or_testing_a_module_puts_it_in_progress_with_its_counts(student):
    source = student / "modules/02_activations/activations_dev.py"
    source.write_text(source.read_text() + "\n# started\n")
    assert run_tito("module", "test", "01", cwd=student).returncode == 1  # stubs fail, counts are kept
    result = run_tito("module", "list", cwd=student)
    assert result.returncode == 0
    assert states(result.stdout) == {module.slug: "in progress" if module.number in ("01", "02") else "not started"
                                     for module in all_modules(REPO)}
    assert re.search(r"01_tensor\W+in progress\W+0/8 passed", result.stdout), result.stdout
    assert "modules complete" not in result.stdout, "list shows the table only"


def test_the_course_repository_counts_modules_as_not_started_until_tested(workspace):
    result = run_tito("module", "list", cwd=workspace)
    assert result.returncode == 0 and set(states(result.stdout).values()) == {"not started"}


@pytest.mark.parametrize("garbage", [
    b"\x00\x17 this is not json",  # overwritten
    b'{"schema_version": 1, "modules": {"01_tensor": {"completed": {"at": "2025',  # truncated mid-write
    b'{"schema_version": 99, "modules": {}}',  # written by a newer tito
    b'{"schema_version": 1, "modules": ["01_tensor"]}',  # the wrong shape
    b'{"schema_version": 1, "modules": {"01_tensor": {"completed": true}}}',  # a wrong entry
])
def test_a_damaged_progress_file_is_kept_and_rebuilt(student, garbage):
    path = student / ".tito" / "progress.json"
    path.write_bytes(garbage)
    progress = load_progress(student)
    assert progress.modules == {} and "progress.json was unusable" in progress.notice
    assert json.loads(path.read_text()) == {"schema_version": 1, "modules": {}}
    kept = list((student / ".tito" / "backups").glob("progress-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == garbage, "the damaged file is kept, not lost"
    assert load_progress(student).notice is None, "rebuilt once, then sound"


def test_status_reports_a_garbage_progress_file_in_one_line_and_goes_on(student):
    (student / ".tito" / "progress.json").write_bytes(b"\xff\xfe garbage")
    result = run_tito("module", "status", cwd=student, env={"COLUMNS": "400"})
    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr
    notes = [line for line in result.stdout.splitlines() if "progress.json" in line]
    assert len(notes) == 1 and re.match(
        r"note: \.tito/progress\.json was unusable: .+\. It was moved to \.tito/backups/progress-\S+\.json and will be rebuilt\.",
        notes[0]), result.stdout
    assert set(states(result.stdout).values()) == {"not started"}
