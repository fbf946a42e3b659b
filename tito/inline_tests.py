"""Run a module source's inline tests in a fresh Python process against the workspace's package."""

import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tito import inline_runner
from tito.processes import RUN_BY_PATH, run_child
from tito.sources import SourceError, read_cells
from tito.unfinished import innermost_frame, unfinished_message


def _package_module(module):
    """The module's export target as an importable name (tinytorch.core.layers), if it declares one."""
    try:
        cells = read_cells(module.source)
    except SourceError:
        return None  # the runner will report the broken source itself
    targets = [cell.directives["default_exp"] for cell in cells if "default_exp" in cell.directives]
    return f"tinytorch.{targets[0]}" if len(targets) == 1 else None


@dataclass
class InlineResult:
    tests: list = field(default_factory=list)  # dicts: name, status, message, seconds, output
    problem: str = ""  # set when the source could not even be loaded, or the run died

    @property
    def passed(self):
        return sum(test["status"] == "passed" for test in self.tests)

    @property
    def ok(self):
        """True only if tests were found and every one passed."""
        return not self.problem and bool(self.tests) and self.passed == len(self.tests)


def run_inline_tests(module, timeout=600):
    """Run every `test_*` function of `module`'s source; never raises for a failing test."""
    with tempfile.TemporaryDirectory(prefix="tito-") as scratch:
        result_path = Path(scratch) / "result.json"
        command = [sys.executable, "-c", RUN_BY_PATH, inline_runner.__file__, str(module.source), str(result_path)]
        target = _package_module(module)
        if target:
            command.append(target)
        process = run_child(command, module.root, timeout)
        if process.timed_out:
            return InlineResult(problem=f"the tests did not finish within {timeout} seconds")
        if not result_path.is_file():
            detail = (process.stderr or process.stdout).strip()[-2000:]
            return InlineResult(problem=f"the test process died (exit code {process.returncode}):\n{detail}")
        report = json.loads(result_path.read_text(encoding="utf-8"))
    if report["load_error"]:
        unfinished = _earlier_stub(module, report["load_error"])
        return InlineResult(problem=unfinished or f"the module source failed to load:\n{report['load_error']}")
    if not report["tests"]:
        return InlineResult(problem=f"no test_* functions found in {module.source.name}")
    for test in report["tests"]:
        if test["status"] == "error":
            test["message"] = _earlier_stub(module, test["message"]) or test["message"]
    return InlineResult(tests=report["tests"])


def _earlier_stub(module, trace):
    """"Module NN is not finished..." when `trace` ends in another module's stub, else None."""
    if "NotImplementedError" not in (trace or ""):
        return None
    return unfinished_message(module.root, module.slug, innermost_frame(trace))
