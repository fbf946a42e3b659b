"""Run a module source's inline tests in a fresh Python process against the workspace's package."""

import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tito.processes import run_child


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
        command = [sys.executable, "-m", "tito.inline_runner", str(module.source), str(result_path)]
        process = run_child(command, module.root, timeout)
        if process.timed_out:
            return InlineResult(problem=f"the tests did not finish within {timeout} seconds")
        if not result_path.is_file():
            detail = (process.stderr or process.stdout).strip()[-2000:]
            return InlineResult(problem=f"the test process died (exit code {process.returncode}):\n{detail}")
        report = json.loads(result_path.read_text(encoding="utf-8"))
    if report["load_error"]:
        return InlineResult(problem=f"the module source failed to load:\n{report['load_error']}")
    if not report["tests"]:
        return InlineResult(problem=f"no test_* functions found in {module.source.name}")
    return InlineResult(tests=report["tests"])
