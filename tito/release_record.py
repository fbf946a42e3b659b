"""What a student release promised: `.tito/release.json` and the released sources beside it.

For each module the record holds the hash of the source as released, whether its solutions
were kept, and every locked cell (the graded tests), in source order, with its grade_id,
points, source and the sha256 of that source.
`tito grade` runs the locked cells from here and reports any that the workspace changed as
tampered; `tito module reset` restores `.tito/released/<module>.py`; `tito module status`
calls a module "not started" while its source is still the released one.
"""

from tito.state import StateError, read_state, sha256_text, state_path, write_state

RELEASE_FILE = "release.json"
RELEASE_SCHEMA = 1


def is_locked(cell):
    """nbgrader's rule: a graded cell that is not a solution is locked, as is any cell marked locked."""
    meta = cell.nbgrader
    return bool(meta) and not meta.get("solution") and bool(meta.get("grade") or meta.get("locked"))


def module_record(text, cells, solutions_kept):
    """The release record of one module source whose released text is `text`."""
    locked = []
    for cell in cells:
        if is_locked(cell):
            entry = {
                "grade_id": cell.nbgrader["grade_id"], "grade": bool(cell.nbgrader.get("grade")),
                "sha256": sha256_text(cell.source), "source": cell.source,
            }
            if entry["grade"]:
                entry["points"] = cell.nbgrader["points"]
            locked.append(entry)
    return {"source_sha256": sha256_text(text), "solutions_kept": solutions_kept, "locked_cells": locked}


def released_source(root, slug):
    """Where a release keeps the source of module `slug` as it was handed out."""
    return state_path(root, "released", f"{slug}.py")


def write_release(root, record):
    write_state(state_path(root, RELEASE_FILE), record, RELEASE_SCHEMA)


def load_release(root):
    """The release record of the workspace, or None if it was not made by `tito release`.

    Raises StateError if the record exists but cannot be used: grading must not quietly
    skip its tamper checks because the file that holds them was damaged.
    """
    record = read_state(state_path(root, RELEASE_FILE), RELEASE_SCHEMA)
    if record is None:
        return None
    modules = record.get("modules")
    if not isinstance(modules, dict) or not all(
        isinstance(entry, dict) and "source_sha256" in entry and isinstance(entry.get("locked_cells"), list)
        and all(isinstance(cell, dict) and {"grade_id", "grade", "sha256", "source"} <= cell.keys()
                for cell in entry["locked_cells"])
        for entry in modules.values()
    ):
        raise StateError(f"{RELEASE_FILE} does not hold a record of each released module")
    return record
