"""`python -m milestones run NAME [--dataset D] [--epochs N] [--threads N] [--json FILE] [--out DIR]`."""

import argparse
import importlib
import sys
from pathlib import Path

import tinytorch
from milestones import MILESTONES

WORKSPACE = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m milestones")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run")
    run.add_argument("name", choices=sorted(MILESTONES))
    run.add_argument("--dataset")
    run.add_argument("--epochs", type=int)
    run.add_argument("--threads", type=int, help="BLAS threads (default: tinytorch's, see tinytorch/threads.py)")
    run.add_argument("--json", dest="json_path")
    run.add_argument("--out", default="runs", help="folder for the plot (default: runs/)")
    args = parser.parse_args(argv)

    milestone = MILESTONES[args.name]
    dataset = args.dataset or next(iter(milestone.targets))
    if dataset not in milestone.targets:
        parser.error(f"milestone {milestone.name} runs on {', '.join(milestone.targets)}, not {dataset!r}")
    epochs = milestone.default_epochs[dataset] if args.epochs is None else args.epochs
    if epochs < 1:
        parser.error(f"--epochs must be at least 1, got {epochs}")
    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads must be at least 1, got {args.threads}")
        tinytorch.set_num_threads(args.threads)
    # Speed, and the last bits of every result, depend on the BLAS and its threads: say which.
    print(f"BLAS: {tinytorch.threads.describe_blas()}")
    try:
        trainer = importlib.import_module(f"milestones.{milestone.module}")
        return trainer.run(milestone, dataset, epochs, args.out, args.json_path)
    except NotImplementedError as error:
        owner = unfinished_owner(error)
        if owner is None:
            raise
        print(f"{owner} Then run this milestone again.", file=sys.stderr)
        return 1


def unfinished_owner(error):
    """"Module NN is not finished..." when `error` came from a module's stub in the package, else None."""
    from tito.unfinished import raised_at, unfinished_message

    return unfinished_message(WORKSPACE, None, raised_at(error))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C: one line and the shell's code for SIGINT, not a traceback
        print("milestone interrupted", file=sys.stderr)
        sys.exit(130)
