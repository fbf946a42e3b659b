"""The `tito` command tree."""

import argparse
import sys

from rich.markup import escape
from rich.table import Table

from tito import __version__
from tito.console import make_console, status_mark
from tito.export import plan_exports, write_exports
from tito.inline_tests import run_inline_tests
from tito.milestone_commands import add_commands as add_milestone_commands
from tito.sources import SourceError
from tito.workspace import WorkspaceError, all_modules, find_root, resolve_module


def _modules(root, names):
    return [resolve_module(root, name) for name in names] if names else all_modules(root)


def cmd_module_export(args, console):
    root = find_root()
    plans = plan_exports(_modules(root, args.modules))
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
    root = find_root()
    module = resolve_module(root, args.module)
    console.print(f"Running the inline tests of {module.source.relative_to(root).as_posix()} ...")
    with console.status("testing", spinner="line"):
        result = run_inline_tests(module, timeout=args.timeout)
    if result.problem:
        console.print(f"[red]{escape(result.problem)}[/red]")
        return 1
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
    test.add_argument("--timeout", type=float, default=600, help="seconds before the run is stopped")
    test.add_argument("-v", "--verbose", action="store_true", help="show the output of failing tests")
    test.set_defaults(handler=cmd_module_test)

    add_milestone_commands(commands)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    console = make_console()
    try:
        return args.handler(args, console)
    except (WorkspaceError, SourceError) as error:
        console.print(f"[red]tito: {escape(str(error))}[/red]")
        return 2
    except KeyboardInterrupt:
        console.print("tito: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
