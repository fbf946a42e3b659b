"""A module's tests under `tests/`, run with pytest against the workspace's exported package.

Which tests belong to which module is said in one place, the tests themselves: a test file
sets `pytestmark = pytest.mark.module(name="03_layers")`, or a single test carries that
mark. tito selects them with pytest's `-m "module(name='03_layers')"` and reads the counts
from pytest's JUnit XML report, not from its console output.
"""

import ast
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from tito.processes import run_child

MARK = "pytest.mark.module"


def belongs_to_a_module(path):
    """True for a test file that marks any of its tests as one module's.

    The file's code is read, not its text: tito's own tests mention the mark in strings
    without being module tests, and must not be shipped to learners as if they were.
    """
    path = Path(path)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot tell which module its tests belong to, it does not parse ({error})") from None
    return any(isinstance(node, ast.Call) and ast.unparse(node.func) == MARK for node in ast.walk(tree))


@dataclass
class PytestResult:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    failures: list = field(default_factory=list)  # "file::test: first line of the message"
    problem: str = ""  # pytest did not run, or ran no test

    @property
    def ok(self):
        return not self.problem and self.passed > 0 and not (self.failed or self.errors)

    def counts(self):
        return {"passed": self.passed, "failed": self.failed, "errors": self.errors, "skipped": self.skipped}


def run_module_pytest(module, timeout=600):
    """Run the tests marked with `module` in a fresh pytest process with the workspace's package."""
    root = module.root
    if not (root / "tests").is_dir():
        return PytestResult(problem=f"there is no tests/ folder in {root}, so no tests of {module.slug} to run")
    with tempfile.TemporaryDirectory(prefix="tito-") as scratch:
        report = Path(scratch) / "junit.xml"
        command = [
            sys.executable, "-m", "pytest", "tests", "-m", f"module(name='{module.slug}')",
            "-p", "no:cacheprovider", "-q", f"--junitxml={report}",
        ]
        process = run_child(command, root, timeout)
        if process.timed_out:
            return PytestResult(problem=f"pytest did not finish within {timeout} seconds")
        if not report.is_file():
            tail = "\n".join((process.stdout + process.stderr).strip().splitlines()[-15:])
            return PytestResult(problem=f"pytest did not run (exit code {process.returncode}):\n{tail}")
        result = _read_junit(report)
    if not result.problem and result.passed + result.failed + result.errors == 0:
        result.problem = f"no test under tests/ is marked as {module.slug}'s, or all were skipped: no tests ran"
    return result


def _read_junit(path):
    try:
        tree = ElementTree.parse(path)
    except ElementTree.ParseError as error:
        return PytestResult(problem=f"pytest's report is not readable XML: {error}")
    result = PytestResult()
    for case in tree.iter("testcase"):
        outcome = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
        if outcome is None:
            result.passed += 1
            continue
        if outcome.tag == "skipped":
            result.skipped += 1
            continue
        if outcome.tag == "failure":
            result.failed += 1
        else:
            result.errors += 1
        message = (outcome.get("message") or "").split("\n", 1)[0]
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        result.failures.append(f"{name}: {message}" if message else name)
    return result
