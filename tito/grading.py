"""`tito grade`: score a workspace's own module sources on their graded test cells.

For each module: bring the `.py` in step with its notebook, export it into the workspace's
`tinytorch/core` (a source that does not export scores 0), then run each graded cell in its
own process with a time limit (tito/grade_runner.py says how). In a released workspace the
graded cells, and every locked cell a test runs after, come from `.tito/release.json`; a
graded cell the learner changed, removed or re-pointed is "tampered" and is not run.
"""

import ast
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tito import grade_runner
from tito.export import plan_export, write_exports
from tito.notebooks import NotebookConflict, sync_if_notebook
from tito.processes import RUN_BY_PATH, run_child
from tito.release_record import load_release
from tito.sources import SourceError, read_cells
from tito.state import sha256_text, utc_now
from tito.workspace import all_modules



@dataclass
class TestGrade:
    grade_id: str
    possible: float
    status: str = "error"  # passed, failed, error, timeout or tampered
    message: str = None
    seconds: float = None

    @property
    def earned(self):
        return self.possible if self.status == "passed" else 0

    def as_json(self):
        entry = {"earned": self.earned, "possible": self.possible, "status": self.status}
        if self.status != "passed":
            entry["message"] = self.message
        return entry


@dataclass
class ModuleGrade:
    slug: str
    tests: list = field(default_factory=list)  # TestGrade, in source order
    notes: list = field(default_factory=list)  # what happened on the way (sync, things not graded)

    @property
    def earned(self):
        return sum(test.earned for test in self.tests)

    @property
    def possible(self):
        return sum(test.possible for test in self.tests)

    def as_json(self):
        entry = {"earned": self.earned, "possible": self.possible,
                 "tests": {test.grade_id: test.as_json() for test in self.tests}}
        if self.notes:
            entry["notes"] = self.notes
        return entry


@dataclass
class GradeReport:
    root: Path
    modules: list = field(default_factory=list)  # ModuleGrade

    @property
    def earned(self):
        return sum(module.earned for module in self.modules)

    @property
    def possible(self):
        return sum(module.possible for module in self.modules)

    @property
    def test_count(self):
        return sum(len(module.tests) for module in self.modules)

    def as_json(self):
        return {
            "earned": self.earned, "possible": self.possible, "workspace": str(self.root), "graded_at": utc_now(),
            "modules": {module.slug: module.as_json() for module in self.modules},
        }


@dataclass
class _Job:
    """One graded cell to run: what to execute before it, and the test functions it defines."""
    slug: str
    grade: TestGrade
    source: Path
    chunks: list
    tests: list


def grade_workspace(root, timeout=120, workers=2, on_test=None):
    """Grade every module of the workspace `root`; `on_test(module_slug, TestGrade)` after each test."""
    root = Path(root).resolve()
    release = load_release(root)
    released = release["modules"] if release else {}
    report, jobs = GradeReport(root), []
    sources = {module.slug: module for module in all_modules(root)}
    for slug in sorted(set(sources) | set(released)):
        grade = ModuleGrade(slug)
        report.modules.append(grade)
        record = released.get(slug)
        if slug not in sources:
            _fail_all(grade, _graded_in_record(record), "the module's source is missing from the workspace")
            continue
        jobs.extend(_plan_module(sources[slug], grade, record))
    _run_jobs(root, jobs, timeout, workers, on_test)
    return report


def _plan_module(module, grade, record):
    """Export the module and decide what to run for each of its graded cells."""
    cells = _export(module, grade, record)
    if cells is None:
        return []
    locked = {cell["grade_id"]: cell for cell in record["locked_cells"]} if record else {}
    jobs = []
    for grade_id, points in _expected_tests(cells, grade, record, locked):
        test = TestGrade(grade_id, points)
        grade.tests.append(test)
        job = _job_for(module, test, cells, locked)
        if job:
            jobs.append(job)
    return jobs


def _export(module, grade, record):
    """The module's cells once its source is in step with its notebook and exported; None if it cannot be."""
    try:
        synced = sync_if_notebook(module)
        if synced and synced.wrote:
            grade.notes.append(synced.message)
        cells = read_cells(module.source)
        write_exports([plan_export(module)])
        return cells
    except (SourceError, NotebookConflict) as error:
        expected = _graded_in_record(record) if record else (_graded_in_source(module) or [])
        _fail_all(grade, expected, f"the module could not be exported, so nothing of it was run: {error}")
        return None


def _expected_tests(cells, grade, record, locked):
    """(grade_id, points) of each test to grade: the release's, or else the source's own."""
    if record is None:
        return [(cell.nbgrader["grade_id"], cell.nbgrader["points"]) for cell in cells if cell.nbgrader.get("grade")]
    extra = [cell.nbgrader["grade_id"] for cell in cells if cell.nbgrader.get("grade") and cell.nbgrader["grade_id"] not in locked]
    if extra:
        grade.notes.append(f"graded cells not in the release, so not graded: {', '.join(extra)}")
    return _graded_in_record(record)


def _job_for(module, test, cells, locked):
    """What to run for `test`; None (with the test's status and message set) when it cannot run."""
    index = next((i for i, cell in enumerate(cells) if cell.nbgrader.get("grade_id") == test.grade_id), None)
    if index is None:
        test.status, test.message = "tampered", f"the graded cell {test.grade_id!r} was removed from the source"
        return None
    cell = cells[index]
    released = locked.get(test.grade_id)
    tampering = _tampering(cell, released) if locked else None
    if tampering:
        test.status, test.message = "tampered", tampering
        return None
    graded_source = released["source"] if released else cell.source
    try:
        tests = _test_functions(graded_source)
    except SyntaxError as error:
        test.message = f"the graded cell {test.grade_id!r} is not valid Python: {error}"
        return None
    if not tests:
        test.message = f"the graded cell {test.grade_id!r} defines no test_* function"
        return None
    chunks = [_chunk(earlier, locked) for earlier in cells[:index] if earlier.kind == "code"]
    chunks.append({"code": graded_source, "line": cell.line, "label": repr(test.grade_id)})
    return _Job(module.slug, test, module.source, chunks, tests)


def _graded_in_record(record):
    return [(cell["grade_id"], cell["points"]) for cell in record["locked_cells"] if cell["grade"]] if record else []


def _graded_in_source(module):
    try:
        return [(c.nbgrader["grade_id"], c.nbgrader["points"]) for c in read_cells(module.source) if c.nbgrader.get("grade")]
    except SourceError:
        return None


def _fail_all(grade, expected, message):
    if not expected:
        grade.notes.append(message)
    for grade_id, points in expected:
        grade.tests.append(TestGrade(grade_id, points, "error", message))


def _tampering(cell, released):
    """Why the workspace's copy of a graded cell is not the released one, or None if it is."""
    if sha256_text(cell.source) != released["sha256"]:
        return f"the graded cell {released['grade_id']!r} differs from the released one (its checksum changed)"
    if cell.nbgrader.get("points") != released["points"] or not cell.nbgrader.get("grade"):
        return (f"the nbgrader metadata of {released['grade_id']!r} changed (points {released['points']} -> "
                f"{cell.nbgrader.get('points')}, grade {cell.nbgrader.get('grade')})")
    return None


def _chunk(cell, locked):
    """A cell to run before the graded one; a locked cell runs as it was released."""
    released = locked.get(cell.nbgrader.get("grade_id"))
    label = repr(cell.nbgrader["grade_id"]) if cell.nbgrader.get("grade_id") else f"at line {cell.line}"
    return {"code": released["source"] if released else cell.source, "line": cell.line, "label": label}


def _test_functions(source):
    return [node.name for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def _run_jobs(root, jobs, timeout, workers, on_test):
    def run(job):
        _run_one(root, job, timeout)
        if on_test:
            on_test(job.slug, job.grade)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, jobs))


def _run_one(root, job, timeout):
    with tempfile.TemporaryDirectory(prefix="tito-grade-") as scratch:
        plan, result = Path(scratch, "plan.json"), Path(scratch, "result.json")
        plan.write_text(json.dumps({"source": str(job.source), "root": str(root), "chunks": job.chunks,
                                    "tests": job.tests}), encoding="utf-8")
        command = [sys.executable, "-c", RUN_BY_PATH, grade_runner.__file__, str(plan), str(result)]
        process = run_child(command, root, timeout)
        if process.timed_out:
            job.grade.status = "timeout"
            job.grade.message = f"did not finish within {timeout:g} seconds and was stopped"
            return
        try:
            outcome = json.loads(result.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tail = "\n".join((process.stderr or process.stdout).strip().splitlines()[-10:])
            job.grade.message = f"the test process ended without a result (exit code {process.returncode}): {tail}"
            return
    job.grade.status, job.grade.message, job.grade.seconds = outcome["status"], outcome["message"], outcome["seconds"]
