"""`tito milestone list` and `tito milestone run`: milestones run in a fresh process against the workspace's package."""

import sys
from pathlib import Path

from rich.table import Table

from tito.processes import run_in_terminal
from tito.workspace import WorkspaceError, find_root


def milestone_registry(root):
    """The milestones described in <root>/milestones/__init__.py (a description only; imports no tinytorch)."""
    namespace = {"__name__": "tito_milestone_registry"}
    source = root / "milestones" / "__init__.py"
    if not source.is_file():
        raise WorkspaceError(f"this workspace has no milestones ({source} is missing)")
    exec(compile(source.read_text(encoding="utf-8"), str(source), "exec"), namespace)
    return namespace["MILESTONES"]


def cmd_list(args, console):
    root = find_root()
    table = Table(title="milestones")
    for column in ("name", "what it shows", "datasets (target)"):
        table.add_column(column)
    for milestone in milestone_registry(root).values():
        targets = ", ".join(f"{name} ({milestone.target_format.format(target)})"
                            for name, target in milestone.targets.items())
        table.add_row(milestone.name, milestone.description, targets)
    console.print(table)
    console.print("Run one with: tito milestone run NAME [--dataset D] [--epochs N] [--threads N] [--json FILE] [--out DIR]")
    return 0


def cmd_run(args, console):
    root = find_root()
    milestones = milestone_registry(root)
    if args.name not in milestones:
        raise WorkspaceError(f"no milestone called {args.name!r}; there are: {', '.join(milestones)}")
    milestone = milestones[args.name]
    if args.dataset is not None and args.dataset not in milestone.targets:
        raise WorkspaceError(
            f"milestone {milestone.name} runs on {', '.join(milestone.targets)}, not {args.dataset!r}"
        )
    if args.epochs is not None and args.epochs < 1:
        raise WorkspaceError(f"--epochs must be at least 1, got {args.epochs}")
    if args.threads is not None and args.threads < 1:
        raise WorkspaceError(f"--threads must be at least 1, got {args.threads}")
    # The child runs in the workspace: paths given here are taken from where tito was run.
    out = Path(args.out).resolve() if args.out else root / "runs"
    json_path = Path(args.json).resolve() if args.json else None
    command = [sys.executable, "-m", "milestones", "run", milestone.name, "--out", str(out)]
    for flag, value in (("--dataset", args.dataset), ("--epochs", args.epochs), ("--threads", args.threads),
                        ("--json", json_path)):
        if value is not None:
            command += [flag, str(value)]
    console.print(f"Milestone {milestone.name}: {milestone.description}")
    # The child writes to this terminal, so its progress bars and epoch lines appear live.
    return run_in_terminal(command, root)


def add_commands(commands):
    """Attach `milestone list|run` to tito's command tree."""
    milestone = commands.add_parser("milestone", help="real training runs that prove the framework works")
    actions = milestone.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="list the milestones and their targets").set_defaults(handler=cmd_list)
    run = actions.add_parser("run", help="run a milestone (exit 1 if it misses its target)")
    run.add_argument("name", metavar="NAME")
    run.add_argument("--dataset", help="which data to train on (default: the milestone's first)")
    run.add_argument("--epochs", type=int, help="override the number of epochs")
    run.add_argument("--threads", type=int,
                     help="threads for NumPy's BLAS (default 1, or as OPENBLAS_NUM_THREADS/OMP_NUM_THREADS say)")
    run.add_argument("--json", help="write the result as JSON to this file")
    run.add_argument("--out", metavar="DIR", help="folder for the plot (default: runs/ in the workspace)")
    run.set_defaults(handler=cmd_run)
