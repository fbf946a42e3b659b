"""`tito release`: a student workspace, solutions stubbed, its package exported from the stubs.

The release is assembled in a hidden folder beside the target and renamed into place only
once it is complete and checked, so a failed release leaves nothing behind. Checks: the
package imports, and no non-trivial line of a stubbed solution appears in any file.
"""

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tito import __version__
from tito.atomic import atomic_write_text, default_mode
from tito.export import is_generated, plan_exports, write_exports
from tito.learner_readme import learner_readme
from tito.milestone_commands import milestone_registry
from tito.module_tests import belongs_to_a_module
from tito.processes import IMPORT_PACKAGE_PROBE, run_child
from tito.release_record import RELEASE_FILE, module_record, released_source, write_release
from tito.solutions import clear_solution_regions, student_text
from tito.sources import read_cells
from tito.state import state_path, utc_now
from tito.workspace import all_modules

# A solution line shorter than this (`return x`, `else:`) says nothing about the solution.
MIN_SECRET_LENGTH = 12
# Top-level folders copied into a release when the course has them.
OPTIONAL_FOLDERS = ("milestones",)
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.ipynb", ".ipynb_checkpoints")


class ReleaseError(Exception):
    """A release that cannot be made; nothing was written."""


@dataclass
class ModuleRelease:
    slug: str
    solutions_kept: bool
    regions: int  # solution regions stubbed
    graded: int  # graded test cells
    points: float


@dataclass
class ReleaseReport:
    out: Path
    modules: list = field(default_factory=list)  # ModuleRelease
    files: int = 0
    secrets_checked: int = 0
    record: Path = None  # the instructor's copy of the release record


def default_record_path(out):
    """Where the instructor's copy of the release record goes by default: beside the release, not in it."""
    out = Path(out).resolve()
    return out.with_name(out.name + ".release-record.json")


def make_release(root, out, keep=(), record=None):
    """Write a student workspace of the workspace `root` to the new or empty folder `out`.

    `keep` holds the slugs of modules whose reference solutions stay in (a catch-up release).
    The instructor's copy of the release record is written to `record` (default: beside `out`),
    which must be outside `out` and not exist yet.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    record = Path(record).resolve() if record else default_record_path(out)
    if record == out or out in record.parents:
        raise ReleaseError(f"the instructor's record {record} would be inside the student release; choose a path outside it")
    if record.exists():
        raise ReleaseError(f"{record} already exists; tito release writes the instructor's record only to a new file")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not an empty folder; tito release writes only to a new one")
    if out == root or root in out.parents and out.parts[len(root.parts)] in ("modules", "tinytorch", "tito", "tests"):
        raise ReleaseError(f"{out} is inside the workspace's own sources; choose a folder elsewhere")
    modules = all_modules(root)
    plans = plan_exports(modules)  # every source must be sound before anything is written
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        staging.chmod(default_mode(executable=True))  # mkdtemp makes it private; a release is not
        report = _assemble(root, staging, modules, plans, set(keep))
        report.files = sum(1 for path in staging.rglob("*") if path.is_file())
        report.secrets_checked = _check_for_leaks(root, staging, modules, set(keep))
        _check_imports(staging)
        # The instructor's copy first: a release is not handed out without the record that grades it.
        shutil.copyfile(state_path(staging, RELEASE_FILE), record)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if record.exists() and not out.exists():
            record.unlink()
        raise
    report.out, report.record = out, record
    return report


def _assemble(root, staging, modules, plans, keep):
    report = ReleaseReport(out=staging)
    generated = {plan.target for plan in plans}
    shutil.copytree(root / "tinytorch", staging / "tinytorch", ignore=_ignore_generated(generated))
    shutil.copytree(root / "tito", staging / "tito", ignore=_IGNORED)
    for name in OPTIONAL_FOLDERS:
        if (root / name).is_dir():
            shutil.copytree(root / name, staging / name, ignore=_IGNORED)
    _copy_course_tests(root, staging)
    shutil.copy2(root / "pyproject.toml", staging / "pyproject.toml")
    if (root / ".gitignore").is_file():
        atomic_write_text(staging / ".gitignore", _learner_gitignore((root / ".gitignore").read_text(encoding="utf-8")))

    record, rows = {}, []
    for module, plan in zip(modules, plans):
        kept = module.slug in keep
        text, regions = (module.source.read_text(encoding="utf-8"), []) if kept else student_text(module.source)
        target = staging / module.source.relative_to(root)
        shutil.copytree(module.folder, target.parent, ignore=_IGNORED)
        atomic_write_text(target, text)
        atomic_write_text(released_source(staging, module.slug), text)
        cells = read_cells(target)
        record[module.slug] = module_record(text, cells, kept)
        graded = [cell.nbgrader for cell in cells if cell.nbgrader.get("grade")]
        report.modules.append(ModuleRelease(module.slug, kept, len(regions), len(graded), sum(g["points"] for g in graded)))
        rows.append((module.slug, ".".join(plan.target.relative_to(root / "tinytorch").with_suffix("").parts), kept))

    write_exports(plan_exports(all_modules(staging)))
    milestones = milestone_registry(staging).values() if (staging / "milestones").is_dir() else ()
    atomic_write_text(staging / "README.md", learner_readme(rows, milestones))
    write_release(staging, {"created_at": utc_now(), "tito_version": __version__, "modules": record})
    return report


def _learner_gitignore(text):
    """The course's .gitignore, but a release's record stays under version control: a workspace
    handed out as a git repository needs it for grading and reset (progress and backups do not)."""
    keep = ".tito/*\n!.tito/release.json\n!.tito/released/"
    return "\n".join(keep if line.strip() in (".tito", ".tito/") else line for line in text.split("\n"))


def _ignore_generated(generated):
    """Leave out the reference package's generated files: the release exports its own."""
    def ignore(folder, names):
        skipped = set(_IGNORED(folder, names))
        for name in names:
            path = Path(folder, name)
            if path in generated or (path.suffix == ".py" and path.is_file() and is_generated(path)):
                skipped.add(name)
        return skipped
    return ignore


def _copy_course_tests(root, staging):
    """The tests a learner's `tito module complete` runs (those marked with a module), and conftest.py."""
    source = root / "tests"
    if not source.is_dir():
        return
    (staging / "tests").mkdir()
    for path in sorted(source.glob("*.py")):
        try:
            ships = path.name == "conftest.py" or belongs_to_a_module(path)
        except ValueError as error:
            raise ReleaseError(f"{error}; the release was not written") from None
        if ships:
            shutil.copy2(path, staging / "tests" / path.name)


def _secret_lines(root, modules, keep):
    """Lines of stubbed solutions that would give them away: long enough to mean something,
    and found nowhere that is shipped anyway (outside solution regions, or in a kept module's solutions)."""
    secrets, public = {}, []
    for module in modules:
        for cell in read_cells(module.source):
            cleared, regions = clear_solution_regions(cell.source)
            # A kept module ships its solutions: a line they share with another module's is no secret.
            public.append(cell.source if module.slug in keep else cleared)
            if module.slug not in keep:
                for region in regions:
                    for line in region:
                        secrets.setdefault(line.strip(), module.slug)
    public = "\n".join(public)
    return {line: slug for line, slug in secrets.items() if len(line) >= MIN_SECRET_LENGTH and line not in public}


def _check_for_leaks(root, staging, modules, keep):
    secrets = _secret_lines(root, modules, keep)
    for path in sorted(staging.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        for line, slug in secrets.items():
            if line in text:
                number = text[:text.index(line)].count("\n") + 1
                raise ReleaseError(
                    f"solution text of {slug} would be handed out in {path.relative_to(staging).as_posix()}:{number}: "
                    f"{line!r}; the release was not written"
                )
    return len(secrets)


def _check_imports(staging):
    result = run_child([sys.executable, "-c", IMPORT_PACKAGE_PROBE], staging, timeout=120)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise ReleaseError(f"the released package does not import: {detail[0]}; the release was not written")
