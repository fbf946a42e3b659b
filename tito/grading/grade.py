"""`tito grade`: score a workspace's own module sources on their graded test cells.

1. The authority: with `--release FILE` (the instructor's record, from outside the workspace)
   the graded tests, their points and every locked cell come from that file alone, and the
   grade is *verified*. Without it they come from the workspace's own `.tito/release.json`
   or, with none, from the sources themselves; the learner could have edited either, so the
   gradebook calls the grade unverified.
2. The learner's sources (notebooks synced first) and package are copied to a scratch folder
   and each module is exported there, so what runs is what the learner wrote; a module that
   cannot be read or exported scores 0 with the reason, and the others are graded.
3. Each graded cell runs, with the cells before it, in its own sandboxed process
   (tito/grading/sandbox.py); the verdict is read from what that process sent
   (tito/grading/verdict.py). A workspace cell that differs from the record's locked cell is
   "tampered" and is not run.
4. The report is returned once every cell's process, and everything they started, is gone.
"""

import ast
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tito.export import plan_export, write_exports
from tito.grading import sandbox
from tito.grading.review import SHOWN, Review
from tito.grading.scratch import copy_workspace, scratch_folder
from tito.grading.verdict import read_verdict
from tito.notebooks import NotebookConflict, sync_if_notebook
from tito.release_record import course_imports, is_locked, load_instructor_record, load_release
from tito.sources import SourceError, read_cells
from tito.state import sha256_text, utc_now
from tito.unfinished import unfinished_message
from tito.workspace import all_modules

MEMORY = 2**30  # bytes of address space a cell may use


@dataclass
class TestGrade:
    grade_id: str
    possible: float
    status: str = "error"  # passed, failed, error, timeout, tampered or needs-review
    message: str = None

    @property
    def earned(self):
        return self.possible if self.status == "passed" else 0

    def as_json(self):
        entry = {"earned": self.earned, "possible": self.possible, "status": self.status}
        if self.status != "passed":
            entry["message"] = self.message
        if self.status == "needs-review":
            entry["needs_review"] = True
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
    authority: str  # where the graded tests and points came from
    verified: bool  # True only when they came from the instructor's record
    sandboxed: bool
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

    @property
    def needs_review(self):
        return [f"{module.slug}/{test.grade_id}" for module in self.modules for test in module.tests
                if test.status == "needs-review"]

    def as_json(self):
        return {
            "earned": self.earned, "possible": self.possible, "workspace": str(self.root), "graded_at": utc_now(),
            "verified": self.verified, "authority": self.authority, "sandboxed": self.sandboxed,
            "needs_review": self.needs_review,
            "modules": {module.slug: module.as_json() for module in self.modules},
        }


@dataclass
class _Job:
    """One graded cell to run: its plan for the runner (which names the test functions it defines)."""
    slug: str
    grade: TestGrade
    plan: dict
    findings: list  # tito.grading.scan.Finding: what the scan saw in the code this cell runs


def grade_workspace(root, release=None, only=None, sandboxed=True, timeout=120, workers=2, memory=MEMORY,
                    on_test=None):
    """Grade the modules of the workspace `root` (all, or the slugs in `only`).

    `release` is the path of the instructor's release record, or None. `on_test(slug, TestGrade)`
    is called after each graded cell.
    """
    root = Path(root).resolve()
    if sandboxed:
        sandbox.check_bubblewrap()  # before any work: the common case, said at once
    record, authority = _authority(root, release)
    released = record["modules"] if record else {}
    runner = sandbox.Runner(sandboxed)
    report = GradeReport(root, authority, verified=release is not None, sandboxed=sandboxed)
    with scratch_folder() as scratch:
        copy = scratch / "workspace"
        notes = _sync_notebooks(root)
        skipped = copy_workspace(root, copy)
        copy.chmod(0o755)
        runner.check(copy, scratch / "probe")
        sources = {module.slug: module for module in all_modules(copy)}
        broken = _export_all(sources.values())
        trusted = released if release is not None else {}  # a workspace's own record is the learner's code too
        review = Review(copy, sources.values(), lambda slug, cell: _runs_from_record(trusted.get(slug), cell))
        settings = _Settings(runner, copy, sandbox.cell_limits(timeout, memory), review)
        jobs = []
        for slug in sorted(set(sources) | set(released)):
            if only and slug not in only:
                continue
            grade = ModuleGrade(slug, notes=notes.get(slug, []))
            if skipped:
                grade.notes.append(f"symbolic links were not graded: {', '.join(skipped)}")
            report.modules.append(grade)
            jobs += _plan_module(sources.get(slug), grade, released.get(slug), broken.get(slug), record, settings)
        _run_jobs(settings, jobs, timeout, workers, on_test)
    return report


@dataclass
class _Settings:
    runner: object  # sandbox.Runner
    copy: Path  # the scratch copy of the workspace
    limits: dict
    review: Review  # the static scan of the learner's code


def _authority(root, release):
    """(release record or None, a sentence saying where the graded tests and points come from)."""
    if release is not None:
        return load_instructor_record(release, root), f"the instructor's release record {Path(release).resolve()}"
    record = load_release(root)
    if record is not None:
        return record, "unverified: the workspace's own .tito/release.json, which the learner can edit"
    return None, "unverified: the workspace's own sources (no release record)"


def _sync_notebooks(root):
    """Bring each `.py` in step with a notebook the learner worked in; {slug: [notes]}."""
    notes = {}
    for module in all_modules(root):
        try:
            synced = sync_if_notebook(module)
            if synced and synced.wrote:
                notes.setdefault(module.slug, []).append(synced.message)
        except (NotebookConflict, SourceError) as error:
            notes.setdefault(module.slug, []).append(f"its notebook was not synced: {error}")
    return notes


def _export_all(modules):
    """Export each module into the scratch copy's package; {slug: why it could not be} for the rest."""
    broken = {}
    for module in modules:
        try:
            write_exports([plan_export(module, lint_hints=False)])
        except Exception as error:  # a learner's file may be broken in any way; that module scores 0
            broken[module.slug] = _reason(module, error)
    return broken


def _reason(module, error):
    text = str(error) if isinstance(error, SourceError) else f"{module.source.name}: {type(error).__name__}: {error}"
    return text.replace(str(module.root) + "/", "")


def _plan_module(module, grade, entry, export_error, release, settings):
    """Decide what to run for each graded cell of one module; jobs for those that can run.

    `entry` is the module's entry in the release record `release` (both None without a record).
    """
    expected = _graded_in_record(entry) if release else None
    if module is None:
        return _fail_all(grade, expected, "the module's source is missing from the workspace")
    if export_error:
        return _fail_all(grade, expected or _graded_in_source(module),
                         f"the module could not be exported, so nothing of it was run: {export_error}")
    try:
        cells = read_cells(module.source)
        if expected is None:
            expected = [(cell.nbgrader["grade_id"], cell.nbgrader["points"]) for cell in cells if cell.nbgrader.get("grade")]
        locked = {cell["grade_id"]: cell for cell in entry["locked_cells"]} if entry else {}
        extra = [cell.nbgrader["grade_id"] for cell in cells if cell.nbgrader.get("grade") and entry
                 and cell.nbgrader["grade_id"] not in locked]
        imports = entry.get("imports", {}) if entry else course_imports(cells)
    except Exception as error:  # malformed metadata: that module scores 0, the others are graded
        return _fail_all(grade, expected or [], f"the module's cells could not be read: {_reason(module, error)}")
    if extra:
        grade.notes.append(f"graded cells not in the release, so not graded: {', '.join(extra)}")
    jobs = []
    for grade_id, points in expected:
        test = TestGrade(grade_id, points)
        grade.tests.append(test)
        job = _job_for(module, test, cells, locked, imports, settings)
        if job:
            jobs.append(job)
    return jobs


def _graded_in_record(entry):
    return [(cell["grade_id"], cell["points"]) for cell in entry["locked_cells"] if cell["grade"]] if entry else []


def _graded_in_source(module):
    try:
        return [(c.nbgrader["grade_id"], c.nbgrader["points"]) for c in read_cells(module.source) if c.nbgrader.get("grade")]
    except Exception:  # the file is broken; its tests cannot be named
        return []


def _fail_all(grade, expected, message):
    if not expected:
        grade.notes.append(message)
    for grade_id, points in expected:
        grade.tests.append(TestGrade(grade_id, points, "error", message))
    return []


def _job_for(module, test, cells, locked, imports, settings):
    """The job that runs `test`; None (with the test's status and message set) when it cannot run."""
    index = next((i for i, cell in enumerate(cells) if cell.nbgrader.get("grade_id") == test.grade_id), None)
    if index is None:
        test.status, test.message = "tampered", f"the graded cell {test.grade_id!r} was removed from the source"
        return None
    cell, released = cells[index], locked.get(test.grade_id)
    tampering = _tampering(cell, released) if locked else None
    if tampering:
        test.status, test.message = "tampered", tampering
        return None
    graded_source = released["source"] if released else cell.source
    tests = _test_functions(graded_source)
    if not tests:
        test.message = f"the graded cell {test.grade_id!r} defines no test_* function"
        return None
    chunks = [_chunk(earlier, locked) for earlier in cells[:index] if earlier.kind == "code"]
    chunks.append({"code": graded_source, "line": cell.line, "label": repr(test.grade_id), "locked": True})
    root = settings.runner.plan_root(settings.copy)
    plan = {"root": root, "source": f"{root}/{module.source.relative_to(settings.copy).as_posix()}",
            "chunks": chunks, "tests": tests, "imports": imports, "limits": settings.limits,
            "sandboxed": settings.runner.sandboxed}
    return _Job(module.slug, test, plan, settings.review.findings(module.slug, index))


def _tampering(cell, released):
    """Why the workspace's copy of a graded cell is not the released one, or None if it is."""
    if sha256_text(cell.source) != released["sha256"]:
        return f"the graded cell {released['grade_id']!r} differs from the released one (its checksum changed)"
    if cell.nbgrader.get("points") != released["points"] or not cell.nbgrader.get("grade"):
        return (f"the nbgrader metadata of {released['grade_id']!r} changed (points {released['points']} -> "
                f"{cell.nbgrader.get('points')}, grade {cell.nbgrader.get('grade')})")
    return None


def _runs_from_record(entry, cell):
    """True for a cell that the grader runs from the instructor's record, not from the workspace."""
    grade_id = cell.nbgrader.get("grade_id") if isinstance(cell.nbgrader, dict) else None  # metadata may be malformed
    return bool(entry and grade_id) and any(released["grade_id"] == grade_id for released in entry["locked_cells"])


def _chunk(cell, locked):
    """A cell to run before the graded one; a locked cell runs as it was released."""
    released = locked.get(cell.nbgrader.get("grade_id"))
    label = repr(cell.nbgrader["grade_id"]) if cell.nbgrader.get("grade_id") else f"at line {cell.line}"
    return {"code": released["source"] if released else cell.source, "line": cell.line, "label": label,
            "locked": bool(released) or (not locked and is_locked(cell))}


def _test_functions(source):
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def _run_jobs(settings, jobs, timeout, workers, on_test):
    def run(number, job):
        job_dir = settings.copy.parent / f"cell-{number}"
        job_dir.mkdir(mode=0o755)
        cell = settings.runner.run(job.plan, settings.copy, job_dir, timeout)
        _apply(job, read_verdict(cell, job.plan["tests"], timeout), settings)
        if on_test:
            on_test(job.slug, job.grade)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, number, job) for number, job in enumerate(jobs)]
        try:
            for future in futures:
                future.result()
        except BaseException:  # Ctrl-C or SIGTERM (tito's handlers have killed the cells): start no more
            for future in futures:
                future.cancel()
            raise


def _apply(job, verdict, settings):
    """Set the graded cell's status and message from the verdict, in the workspace's own paths."""
    root = settings.runner.plan_root(settings.copy)
    message = (verdict.message or "").replace(f"{root}/", "") or None
    raised_at = verdict.raised_at.replace(root, str(settings.copy), 1) if verdict.raised_at else None
    if verdict.status == "error" and "NotImplementedError" in (message or "").split("\n")[0]:
        message = unfinished_message(settings.copy, job.slug, raised_at) or message
    if job.findings:
        shown = "; ".join(map(str, job.findings[:SHOWN])) + ("; ..." if len(job.findings) > SHOWN else "")
        message = (f"scored 0 until reviewed: {shown}: the code this test runs does what no honest solution needs, "
                   f"and it could tamper with the test (the test itself: {verdict.status}"
                   f"{': ' + message if message else ''})")
        job.grade.status, job.grade.message = "needs-review", message
        return
    job.grade.status, job.grade.message = verdict.status, message
