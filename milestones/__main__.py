"""`python -m milestones run NAME [--dataset D] [--epochs N] [--threads N] [--json FILE] [--out DIR]`."""

import argparse
import importlib
import sys

import tinytorch
from milestones import MILESTONES


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
    trainer = importlib.import_module(f"milestones.{milestone.module}")
    return trainer.run(milestone, dataset, epochs, args.out, args.json_path)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C: one line and the shell's code for SIGINT, not a traceback
        print("milestone interrupted", file=sys.stderr)
        sys.exit(130)
