"""Run a module source's `test_*` functions; executed in a fresh process by tito.inline_tests.

Usage: python inline_runner.py SOURCE RESULT_JSON [PACKAGE_MODULE]

The source is executed as a module that is not `__main__` (so its `if __name__ == "__main__":`
blocks stay quiet), then each top-level `test_*` function runs in definition order with its
output captured. The results go to RESULT_JSON; this process's own exit code is 0 whenever
it managed to write them.

With PACKAGE_MODULE (the source's export target, e.g. `tinytorch.core.autograd`), the source
is executed *as* that module: any code that imports it, like `Tensor.backward` importing
autograd, gets the learner's source under test rather than an older exported copy.

Like tito/grading/cell_runner.py, this file imports nothing from tito and is run by path, so that a
workspace's own `tito/` folder has no say in the result.
"""

import contextlib
import io
import json
import os
import sys
import time
import traceback
import types
from pathlib import Path


def _short_traceback(limit=6):
    return "".join(traceback.format_exc(limit=-limit))


def run(source_path, package_module=None):
    module = types.ModuleType(package_module or "tito_module_under_test")
    module.__file__ = str(source_path)
    sys.modules[module.__name__] = module
    output = io.StringIO()
    try:
        code = compile(Path(source_path).read_text(encoding="utf-8"), str(source_path), "exec")
        with contextlib.redirect_stdout(output):
            exec(code, module.__dict__)
    except BaseException:  # the learner's code may raise anything, SystemExit included
        return {"load_error": _short_traceback(), "output": output.getvalue(), "tests": []}

    tests = []
    for name, function in list(vars(module).items()):
        if not (name.startswith("test_") and isinstance(function, types.FunctionType)):
            continue
        captured = io.StringIO()
        started = time.perf_counter()
        status, message = "passed", None
        try:
            with contextlib.redirect_stdout(captured):
                function()
        except AssertionError as error:
            status, message = "failed", str(error) or _short_traceback()
        except BaseException as error:
            described = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            status, message = "error", f"{described}\n{_short_traceback()}"
        tests.append({
            "name": name,
            "status": status,
            "message": message,
            "seconds": round(time.perf_counter() - started, 4),
            "output": captured.getvalue(),
        })
    return {"load_error": None, "output": output.getvalue(), "tests": tests}


def main(argv):
    source_path, result_path, *package_module = argv
    report = json.dumps(run(source_path, *package_module))
    temporary = f"{result_path}.tmp"
    Path(temporary).write_text(report, encoding="utf-8")
    os.replace(temporary, result_path)  # the parent reads a whole report or none
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
