"""What a student release promised: the release record and the released sources beside it.

For each module the record holds the hash of the source as released, whether its solutions
were kept, the modules its code imports by name (`np` -> numpy; tinytorch's own left out), and
every locked cell (the graded tests), in source order, with its grade_id, points, source and
the sha256 of that source.

It exists twice. The student workspace carries `.tito/release.json`, which `tito module reset`
(restoring `.tito/released/<module>.py`) and `tito module status` use, and which a learner can
edit. The instructor's copy is written outside the workspace (`tito release --record FILE`);
`tito grade --release FILE` takes locked cells, points and graded tests from it alone, and
runs the locked cells from it, reporting any that the workspace changed as tampered.
Every copy is checked when read: each locked cell's source must match its own hash.
"""

import ast
import math
from numbers import Real
from pathlib import Path

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
    return {"source_sha256": sha256_text(text), "solutions_kept": solutions_kept, "locked_cells": locked,
            "imports": course_imports(cells)}


def course_imports(cells):
    """{name: module} for each top-level `import x [as y]` of the code cells, tinytorch's own left out.

    The grader checks that these names still refer to those modules while the tests run.
    """
    found = {}
    for cell in cells:
        if cell.kind != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    if top != "tinytorch":
                        found[alias.asname or top] = alias.name if alias.asname else top
    return found


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
    return None if record is None else checked_record(record, RELEASE_FILE)


def load_instructor_record(path, workspace):
    """The instructor's copy of a release record at `path`; StateError if it is missing, damaged or
    inside the `workspace` being graded (where the learner could have written it)."""
    path = Path(path).resolve()
    workspace = Path(workspace).resolve()
    if path == workspace or workspace in path.parents:
        raise StateError(f"the release record {path} is inside the workspace being graded, where the learner "
                         "can edit it; pass the instructor's copy that `tito release --record` wrote")
    record = read_state(path, RELEASE_SCHEMA)
    if record is None:
        raise StateError(f"there is no release record at {path}")
    return checked_record(record, path.name)


def checked_record(record, name):
    """`record` if every module entry is whole and every locked cell matches its hash; else StateError."""
    modules = record.get("modules")
    if not isinstance(modules, dict):
        raise StateError(f"{name} does not hold a record of each released module")
    for slug, entry in modules.items():
        problem = _entry_problem(entry)
        if problem:
            raise StateError(f"{name}: the record of {slug} is damaged: {problem}")
    return record


def _entry_problem(entry):
    if not isinstance(entry, dict) or not isinstance(entry.get("source_sha256"), str):
        return "it has no source hash"
    if not isinstance(entry.get("locked_cells"), list):
        return "it has no list of locked cells"
    imports = entry.get("imports", {})
    if not isinstance(imports, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in imports.items()):
        return "its imports are not a map of names to modules"
    for cell in entry["locked_cells"]:
        if not isinstance(cell, dict) or not isinstance(cell.get("grade_id"), str) \
                or not isinstance(cell.get("source"), str) or not isinstance(cell.get("grade"), bool):
            return "a locked cell lacks its grade_id, source or grade flag"
        if cell.get("sha256") != sha256_text(cell["source"]):
            return f"the source of the locked cell {cell['grade_id']!r} does not match its sha256"
        points = cell.get("points")
        if cell["grade"] and (isinstance(points, bool) or not isinstance(points, Real) or not (math.isfinite(points) and points >= 0)):
            return f"the graded cell {cell['grade_id']!r} has no valid points"
    return None
