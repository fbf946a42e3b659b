"""The README of a student workspace, written by `tito release`."""

from tito import MIN_PYTHON

_TEMPLATE = """\
# tinytorch: your course workspace

You are going to build tinytorch, a small deep-learning framework in Python and NumPy, one
module at a time. Each module is a lesson with the code in it: read the text, then replace
every `# YOUR CODE HERE` / `raise NotImplementedError()` with your own code. **tito**, the
course's command-line tool, tests your code, turns it into the `tinytorch` package, and keeps
track of what you have finished.

## Set up

With Python {python} or newer:

```bash
python3 -m venv .venv && .venv/bin/pip install -e ".[dev,plot]"
. .venv/bin/activate
```

`dev` brings the test tools; `plot` brings matplotlib, with which the milestones below draw
their training curves (without it they train all the same and say that no plot was saved).

## Work through a module

Work in `modules/NN_name/name_dev.py` in your editor, or in the notebook
`tito module notebook NN` makes next to it. You may switch between the two: tito copies the
one you changed over the other, and if you changed both it stops and asks which to keep.

| what | command |
|------|---------|
| every module and where you are | `tito module status` |
| write the notebook (and run it from top to bottom) | `tito module notebook 03 --execute` |
| run the module's own tests on your code | `tito module test 03` |
| test, export and record the module as done | `tito module complete 03` |
| start a module again from its handed-out version | `tito module reset 03` |
| see your score on the graded tests (add `--no-sandbox` where bubblewrap is not installed) | `tito grade` |
| check that your set-up works | `tito doctor` |

`tito module complete` runs the module's tests in the source, exports your code into
`tinytorch/core`, runs the module's tests in `tests/` against that package, and only then
records the module as complete. Modules build on each other, so they are completed in order.

{modules}
{milestones}
## Rules of the game

- Cells marked as graded tests (`"grade": true` in their first line) are checked against the
  handed-out version; `tito grade` scores an edited one as tampered, with no points.
- `tinytorch/core` is generated from your modules: edit the modules, never the generated files.
- tito keeps its notes in `.tito/` (progress, the handed-out sources, backups). Before it
  overwrites one of your files it copies it to `.tito/backups/`, so no work is ever lost.
"""


_MILESTONES = """
## Milestones: your framework trains real models

A milestone is a real, seeded training run on your own package, with a target it must reach.
Run one once the modules it trains with are complete; each prints its epochs, says whether it
reached its target (and exits non-zero if not), and saves its loss and accuracy curves under
`runs/` (or `--out DIR`).

| milestone | what it shows | data (target test accuracy) |
|-----------|---------------|-----------------------------|
{rows}

```bash
tito milestone list
tito milestone run {first}
```
"""


def learner_readme(rows, milestones=()):
    """The README for a release; `rows` are (module slug, its package target, solutions kept),
    `milestones` the course's (tito.milestone_commands.milestone_registry), if it ships any."""
    lines = ["| module | becomes | your part |", "|--------|---------|-----------|"]
    for slug, target, kept in rows:
        part = "given: the solution is included, study it" if kept else "yours to write"
        lines.append(f"| {slug} | `tinytorch.{target}` | {part} |")
    milestones = list(milestones)
    trials = [f"| `{m.name}` | {m.description} | {', '.join(f'{d} ({t:.0%})' for d, t in m.targets.items())} |"
              for m in milestones]
    section = _MILESTONES.format(rows="\n".join(trials), first=milestones[0].name) if milestones else ""
    return _TEMPLATE.format(python=".".join(map(str, MIN_PYTHON)), modules="\n".join(lines), milestones=section)
