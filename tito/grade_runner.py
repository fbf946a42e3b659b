"""Run one graded test cell of a learner's module; executed in a fresh process by tito.grading.

Usage: python grade_runner.py PLAN_JSON RESULT_JSON

The plan lists code chunks (the cells before the graded cell, then the graded cell) and the
`test_*` functions the graded cell defines. The chunks run, in order, in one module that is
not `__main__` (so `if __name__ == "__main__":` blocks stay quiet); then each test function
is called. The result is "passed" only if every chunk and every test returned normally;
an AssertionError in a test is "failed", anything else "error".

This file imports nothing from tito: the grader runs its own copy by path, so that a graded
workspace's `tito/` folder (which the learner can edit) has no say in the grade.
"""

import contextlib
import io
import json
import sys
import time
import traceback
import types
from pathlib import Path


def _describe(error, source, frames=4):
    """One line (`Type: message (line N)`, N the deepest line of the module source), then the traceback's end."""
    frames_in_source = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == source]
    where = f" (line {frames_in_source[-1].lineno})" if frames_in_source else ""
    text = str(error).strip().split("\n")[0]
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__, limit=-frames))
    return f"{type(error).__name__}{': ' + text if text else ''}{where}\n{trace.strip()}"


def _foreign_package(root):
    """If the code imported a `tinytorch` from outside the workspace, say so: it was not the learner's."""
    package = sys.modules.get("tinytorch")
    location = getattr(package, "__file__", None)
    if location and Path(root).resolve() not in Path(location).resolve().parents:
        return f"tinytorch was imported from {location}, not from the graded workspace {root}"
    return None


def run(plan):
    module = types.ModuleType("tito_graded_cells")
    module.__file__ = plan["source"]
    sys.modules[module.__name__] = module
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        for chunk in plan["chunks"]:
            try:
                # Blank lines in front keep tracebacks pointing at the source file's own lines.
                code = compile("\n" * (chunk["line"] - 1) + chunk["code"], plan["source"], "exec")
                exec(code, module.__dict__)
            except BaseException as error:  # the learner's code may raise anything, SystemExit included
                return "error", f"the cell {chunk['label']} raised {_describe(error, plan['source'])}"
        for name in plan["tests"]:
            try:
                module.__dict__[name]()
            except AssertionError as error:
                return "failed", f"{name}: {_describe(error, plan['source'])}"
            except BaseException as error:
                return "error", f"{name}: {_describe(error, plan['source'])}"
    foreign = _foreign_package(plan["root"])
    return ("error", foreign) if foreign else ("passed", None)


def main(plan_path, result_path):
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    started = time.perf_counter()
    status, message = run(plan)
    result = {"status": status, "message": message, "seconds": round(time.perf_counter() - started, 3)}
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
