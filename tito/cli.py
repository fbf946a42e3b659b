"""The `tito` command tree."""

import argparse
import json
import sys

# jsonschema (under nbformat, under jupytext) imports the optional IRI checker rfc3987_syntax
# whenever it is installed (the Jupyter server stack brings it), and that module builds a
# grammar on import: a second added to every tito command. tito never validates IRIs, so the
# command line tells Python the module is absent; jsonschema then leaves that check out.
sys.modules.setdefault("rfc3987_syntax", None)

from rich.markup import escape
from rich.table import Table

from tito import __version__
from tito.atomic import atomic_write_text
from tito.complete import STEPS, complete_module
from tito.console import make_console, make_progress, status_mark
from tito.doctor import run_checks
from tito.execute import execute_notebook
from tito.export import plan_exports, write_exports
from tito.grading.grade import MEMORY, grade_workspace
from tito.grading.sandbox import SandboxError
from tito.grading.scratch import WorkspaceTooLarge
from tito.inline_tests import run_inline_tests
from tito.milestone_commands import add_commands as add_milestone_commands
from tito.module_status import module_statuses
from tito.notebooks import NotebookConflict, sync_if_notebook, sync_module
from tito.processes import Stopped, stop_children_on_signals
from tito.progress import load_progress, updating_progress
from tito.release import ReleaseError, make_release
from tito.release_record import load_release
from tito.reset import ResetError, reset_module
from tito.sources import SourceError
from tito.state import StateError
from tito.workspace import WorkspaceError, all_modules, find_root, resolve_module

# Errors that explain themselves: printed as one line, exit code 2, no traceback. OSError is
# among them: a file tito needs that cannot be read or written is named in its message.
USER_ERRORS = (WorkspaceError, SourceError, NotebookConflict, StateError, ReleaseError, ResetError, SandboxError,
               WorkspaceTooLarge, OSError)


def _modules(root, names):
    return [resolve_module(root, name) for name in names] if names else all_modules(root)


def _the_module(args):
    """The workspace root and the module named on the command line."""
    root = find_root()
    return root, resolve_module(root, args.module)


def _rel(root, path):
    return path.relative_to(root).as_posix()


def _say_notice(console, notice):
    if notice:
        console.print(f"[yellow]note: {escape(notice)}[/yellow]")


def _load_progress(root, console):
    progress = load_progress(root)
    _say_notice(console, progress.notice)
    return progress


def _sync_before_reading(module, console):
    """A learner working in the notebook: bring the .py up to date before reading it."""
    result = sync_if_notebook(module)
    if result:
        _say_notice(console, result.notice)
        if result.wrote:
            console.print(escape(result.message))


def cmd_module_export(args, console):
    root = find_root()
    modules = _modules(root, args.modules)
    if not args.check:  # --check only looks; it must not write a .py from a notebook either
        for module in modules:
            _sync_before_reading(module, console)
    plans = plan_exports(modules)
    if args.check:
        stale = [plan for plan in plans if not plan.is_current()]
        for plan in stale:
            console.print(
                f"stale: {plan.target.relative_to(root).as_posix()} differs from "
                f"{plan.module.source.relative_to(root).as_posix()}"
            )
        if stale:
            console.print("Run `tito module export` to bring the package up to date.")
            return 1
        console.print(f"{len(plans)} exported module(s) in sync with their sources.")
        return 0
    written = write_exports(plans)
    for plan in plans:
        state = "written" if plan in written else "unchanged"
        console.print(
            f"{plan.module.slug}: {plan.module.source.relative_to(root).as_posix()} -> "
            f"{plan.target.relative_to(root).as_posix()} ({state})"
        )
    return 0


def cmd_module_test(args, console):
    root, module = _the_module(args)
    _sync_before_reading(module, console)
    console.print(f"Running the inline tests of {_rel(root, module.source)} ...")
    with console.status("testing", spinner="line"):
        result = run_inline_tests(module, timeout=args.timeout)
    if result.problem:
        console.print(f"[red]{escape(result.problem)}[/red]")
        return 1
    with updating_progress(root) as progress:
        _say_notice(console, progress.notice)
        progress.record_inline(module.slug, result.passed, len(result.tests))
    table = Table(title=f"{module.slug}: inline tests")
    table.add_column("test")
    table.add_column("result")
    table.add_column("seconds", justify="right")
    for test in result.tests:
        table.add_row(test["name"], status_mark(test["status"]), f"{test['seconds']:.2f}")
    console.print(table)
    for test in result.tests:
        if test["status"] != "passed":
            console.print(f"\n[bold]{test['name']}[/bold] {test['status']}:\n{escape(test['message'] or '')}")
            if args.verbose and test["output"]:
                console.print(escape(test["output"]))
    console.print(f"{result.passed} of {len(result.tests)} tests passed.")
    return 0 if result.ok else 1


def cmd_module_notebook(args, console):
    root, module = _the_module(args)
    result = sync_module(module, prefer=args.prefer)
    _say_notice(console, result.notice)
    console.print(escape(result.message))
    if not args.execute:
        return 0
    console.print(f"Executing {_rel(root, module.notebook)} through a Jupyter kernel ...")
    with make_progress(console) as progress:
        task = progress.add_task("cells", total=None)
        failure = execute_notebook(module, timeout=args.timeout,
                                   on_cell=lambda done, total: progress.update(task, completed=done, total=total))
    if failure:
        console.print(f"[red]cell {failure.index} ({escape(failure.label)}) failed: {escape(failure.error)}[/red]")
        if args.verbose and failure.traceback:
            console.print(escape(failure.traceback))
        return 1
    console.print("Every code cell ran without error.")
    return 0


def cmd_module_complete(args, console):
    root, module = _the_module(args)
    _sync_before_reading(module, console)
    progress = _load_progress(root, console)
    console.print(f"Completing {module.slug}:")

    def finished(step):
        number = STEPS.index(step.title) + 1
        mark = "[green]ok[/green]" if step.ok else "[red]FAILED[/red]"
        console.print(f"  ({number}/{len(STEPS)}) {step.title}: {mark} - {escape(step.summary)}")
        for detail in step.details[:20]:
            console.print(f"        {escape(detail)}")

    with console.status("", spinner="line") as spinner:
        result = complete_module(module, progress, timeout=args.timeout,
                                 starting=lambda title: spinner.update(f"{title} ..."), finished=finished)
    if result.missing:
        console.print(f"[red]{module.slug} builds on modules that are not complete yet: {', '.join(result.missing)}. "
                      f"Complete them first (`tito module complete {result.missing[0]}`); nothing was recorded.[/red]")
        return 1
    if not result.ok:
        failed = result.steps[-1]
        console.print(f"[red]{module.slug} is not complete: step {len(result.steps)} ({failed.title}) failed; "
                      "nothing was recorded.[/red]")
        return 1
    console.print(f"{module.slug} is complete and recorded.")
    return 0


def cmd_module_status(args, console):
    root = find_root()
    progress = _load_progress(root, console)
    try:
        release = load_release(root)
    except StateError as error:
        _say_notice(console, f"{error}; the states below ignore the release")
        release = None
    statuses = module_statuses(root, progress, release)
    table = Table(title=f"modules of {root}")
    for column in ("module", "state", "inline tests", "package tests", "note"):
        table.add_column(column, overflow="fold")
    for status in statuses:
        inline = f"{status.inline['passed']}/{status.inline['total']} passed" if status.inline else "-"
        tests = (f"{status.pytest['passed']} passed, {status.pytest['skipped']} skipped" if status.pytest else "-")
        table.add_row(status.slug, status.state, inline, tests, escape(status.note))
    console.print(table)
    if args.action == "status":
        done = sum(status.state == "complete" for status in statuses)
        console.print(f"{done} of {len(statuses)} modules complete"
                      + (" (a student release)." if release else "."))
        upcoming = next((status.slug for status in statuses if status.state != "complete"), None)
        if upcoming:
            console.print(f"Next: work on {upcoming}, then `tito module complete {upcoming}`.")
    return 0


def cmd_module_reset(args, console):
    root, module = _the_module(args)
    report = reset_module(module)
    _say_notice(console, report.progress_notice)
    for backup in report.backups:
        console.print(f"your file was saved as {_rel(root, backup)}")
    console.print(f"{_rel(root, module.source)} is back as it was released; its progress was cleared.")
    if report.notebook:
        console.print(escape(report.notebook))
    return 0


def cmd_doctor(args, console):
    checks = run_checks()
    table = Table(title="tito doctor")
    for column in ("check", "result", "found", "fix"):
        table.add_column(column, overflow="fold")  # fold long paths rather than cut them short
    for check in checks:
        table.add_row(check.name, status_mark("passed" if check.ok else "failed"), escape(check.detail), escape(check.fix))
    console.print(table)
    failed = [check.name for check in checks if not check.ok]
    console.print(f"{len(failed)} check(s) failed: {', '.join(failed)}." if failed else "Everything is ready.")
    return 1 if failed else 0


def cmd_release(args, console):
    root = find_root()
    keep = {resolve_module(root, name).slug for name in args.solutions.split(",") if name.strip()} if args.solutions else set()
    for module in all_modules(root):
        _sync_before_reading(module, console)
    with console.status(f"writing a student release to {args.out}", spinner="line"):
        report = make_release(root, args.out, keep, record=args.record)
    table = Table(title=f"student release in {report.out}")
    for column, justify in (("module", "left"), ("solutions", "left"), ("graded tests", "right"), ("points", "right")):
        table.add_column(column, justify=justify)
    for module in report.modules:
        solutions = "kept (catch-up)" if module.solutions_kept else f"{module.regions} regions stubbed"
        table.add_row(module.slug, solutions, str(module.graded), f"{module.points:g}")
    console.print(table)
    console.print(
        f"{report.files} files written; the package imports; none of the {report.secrets_checked} "
        "distinctive lines of the stubbed solutions appears in any of them."
    )
    console.print(f"The instructor's release record is {report.record}: keep it out of learners' hands and grade "
                  f"with `tito grade WORKSPACE --release {report.record}`.")
    return 0


def cmd_grade(args, console):
    root = find_root(args.workspace)
    only = {resolve_module(root, name).slug for name in args.module} if args.module else None
    console.print(f"Grading the module sources of {root} ...")
    with make_progress(console) as progress:
        task = progress.add_task("graded tests", total=None)
        report = grade_workspace(root, release=args.release, only=only, sandboxed=not args.no_sandbox,
                                 timeout=args.timeout, workers=args.workers, memory=args.memory * 2**20,
                                 on_test=lambda slug, test: progress.advance(task))
    for module in report.modules:
        for note in module.notes:
            console.print(f"{module.slug}: {escape(note)}")
        if not module.tests:
            continue
        table = Table(title=f"{module.slug}: {module.earned:g} of {module.possible:g} points")
        for column, justify in (("graded test", "left"), ("points", "right"), ("result", "left"), ("why", "left")):
            table.add_column(column, justify=justify, overflow="fold")
        for test in module.tests:
            why = (test.message or "").strip().split("\n")[0]
            table.add_row(test.grade_id, f"{test.earned:g}/{test.possible:g}", status_mark(test.status), escape(why[:100]))
        console.print(table)
    if args.json:
        atomic_write_text(args.json, json.dumps(report.as_json(), indent=2) + "\n")
        console.print(f"wrote {args.json}")
    if not report.test_count:
        console.print("[red]tito grade: no graded tests found: nothing was graded[/red]")
        return 1
    console.print(f"Total: {report.earned:g} of {report.possible:g} points from {report.test_count} graded tests.")
    if report.needs_review:
        console.print(f"[red]{len(report.needs_review)} graded test(s) scored 0 and need a human's review: "
                      f"{escape(', '.join(report.needs_review))}[/red]")
    if not report.verified:
        console.print(f"[yellow]This grade is {escape(report.authority)}; pass --release with the instructor's "
                      "record to verify it.[/yellow]")
    if not report.sandboxed:
        console.print("[yellow]Graded without a sandbox (--no-sandbox): the graded code ran with this user's rights.[/yellow]")
    return 0


def _positive(kind):
    """An argparse type: a positive number of `kind` (int or float), refused with a clear message otherwise."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or value <= 0:
            raise argparse.ArgumentTypeError(f"must be a positive {'whole ' if kind is int else ''}number, got {text!r}")
        return value
    return parse


def build_parser():
    parser = argparse.ArgumentParser(prog="tito", description="The tinytorch course workflow.")
    parser.add_argument("--version", action="version", version=f"tito {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    module = commands.add_parser("module", help="work with module sources").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    export = module.add_parser("export", help="export module sources into tinytorch/core")
    export.add_argument("modules", nargs="*", metavar="MODULE", help="03, layers or 03_layers (default: all)")
    export.add_argument("--check", action="store_true", help="write nothing; exit 1 if a target is stale")
    export.set_defaults(handler=cmd_module_export)

    test = module.add_parser("test", help="run a module source's inline tests in a fresh process")
    test.add_argument("module", metavar="MODULE")
    test.add_argument("--timeout", type=_positive(float), default=600, help="seconds before the run is stopped")
    test.add_argument("-v", "--verbose", action="store_true", help="show the output of failing tests")
    test.set_defaults(handler=cmd_module_test)

    notebook = module.add_parser("notebook", help="write the module's notebook, or bring it and the .py in step")
    notebook.add_argument("module", metavar="MODULE")
    notebook.add_argument("--execute", action="store_true", help="then run it headless through a Jupyter kernel")
    notebook.add_argument("--from", dest="prefer", choices=["py", "notebook"],
                          help="when both changed: keep this one and overwrite the other (after a backup)")
    notebook.add_argument("--timeout", type=_positive(float), default=300, help="seconds one cell may run (with --execute)")
    notebook.add_argument("-v", "--verbose", action="store_true", help="show the failing cell's traceback")
    notebook.set_defaults(handler=cmd_module_notebook)

    complete = module.add_parser("complete", help="test, export and record a module as complete")
    complete.add_argument("module", metavar="MODULE")
    complete.add_argument("--timeout", type=_positive(float), default=600, help="seconds each test run may take")
    complete.set_defaults(handler=cmd_module_complete)

    for action, text in (("list", "every module and its state"), ("status", "every module's state, and what to do next")):
        module.add_parser(action, help=text).set_defaults(handler=cmd_module_status)

    reset = module.add_parser("reset", help="restore a module's released source (yours is backed up first)")
    reset.add_argument("module", metavar="MODULE")
    reset.set_defaults(handler=cmd_module_reset)

    commands.add_parser("doctor", help="check Python, the libraries and this workspace").set_defaults(handler=cmd_doctor)

    release = commands.add_parser("release", help="write a student workspace with the solutions stubbed")
    release.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    release.add_argument("--solutions", metavar="MODULE[,MODULE...]",
                         help="modules whose reference solutions stay in (a catch-up release)")
    release.add_argument("--record", metavar="FILE",
                         help="where to write the instructor's release record (default: DIR.release-record.json)")
    release.set_defaults(handler=cmd_release)

    grade = commands.add_parser("grade", help="score a workspace's own sources on their graded tests")
    grade.add_argument("workspace", nargs="?", metavar="WORKSPACE", help="the workspace to grade (default: this one)")
    grade.add_argument("--json", metavar="FILE", help="also write the scores as JSON")
    grade.add_argument("--timeout", type=_positive(float), default=120, help="seconds one graded test may run")
    grade.add_argument("--workers", type=_positive(int), default=2, help="graded tests run at the same time")
    grade.add_argument("--release", metavar="FILE",
                       help="the instructor's release record (`tito release --record`): the authority on tests and points")
    grade.add_argument("--module", action="append", metavar="MODULE", help="grade only this module (repeatable)")
    grade.add_argument("--memory", type=_positive(int), default=MEMORY // 2**20, metavar="MIB",
                       help="address space one graded test may use, in MiB")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run graded code without bubblewrap's isolation (the gradebook records it)")
    grade.set_defaults(handler=cmd_grade)

    add_milestone_commands(commands)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    console = make_console()
    stop_children_on_signals()
    try:
        return args.handler(args, console)
    except USER_ERRORS as error:
        console.print(f"[red]tito: {escape(str(error))}[/red]")
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the children are gone already; one line, the shell's code for SIGINT
        console.print("tito: interrupted")
        return 130
    except Stopped as stop:
        console.print(f"tito: stopped by {stop.name}")
        return 128 + stop.signum


if __name__ == "__main__":
    sys.exit(main())
