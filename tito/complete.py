"""`tito module complete`: test the learner's source, export it, test the package, then record it.

The steps run in order and stop at the first failure; only when all passed is anything
recorded. Modules build on each other, so every lower-numbered module must be complete first.
"""

from dataclasses import dataclass, field

from tito.export import plan_export, write_exports
from tito.inline_tests import run_inline_tests
from tito.module_tests import run_module_pytest
from tito.progress import updating_progress
from tito.sources import SourceError
from tito.state import sha256_file
from tito.workspace import all_modules

STEPS = (
    "inline tests of the source",
    "export into tinytorch/core",
    "the module's tests under tests/",
    "record completion in .tito/progress.json",
)


@dataclass
class Step:
    title: str
    ok: bool
    summary: str
    details: list = field(default_factory=list)


@dataclass
class Completion:
    steps: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # slugs of earlier modules not yet complete

    @property
    def ok(self):
        return not self.missing and len(self.steps) == len(STEPS) and all(step.ok for step in self.steps)


def missing_prerequisites(module, progress):
    return [other.slug for other in all_modules(module.root)
            if int(other.number) < int(module.number) and not progress.is_complete(other.slug)]


def complete_module(module, progress, timeout=600, starting=None, finished=None):
    """Run the steps of completing `module`; `starting(title)` and `finished(step)` report each."""
    result = Completion(missing=missing_prerequisites(module, progress))
    if result.missing:
        return result
    source_sha256 = sha256_file(module.source)
    counts = {}
    for title, run in zip(STEPS, (_inline_step, _export_step, _pytest_step, _record_step)):
        if starting:
            starting(title)
        step = run(module, progress, timeout, counts, source_sha256)
        result.steps.append(step)
        if finished:
            finished(step)
        if not step.ok:
            break
    return result


def _inline_step(module, progress, timeout, counts, source_sha256):
    inline = run_inline_tests(module, timeout=timeout)
    counts["inline"] = {"passed": inline.passed, "total": len(inline.tests)}
    if inline.problem:
        return Step(STEPS[0], False, _first_line(inline.problem), inline.problem.strip().split("\n")[1:])
    failing = [f"{test['name']} {test['status']}: {_first_line(test['message'])}"
               for test in inline.tests if test["status"] != "passed"]
    return Step(STEPS[0], inline.ok, f"{inline.passed} of {len(inline.tests)} inline tests passed", failing)


def _export_step(module, progress, timeout, counts, source_sha256):
    try:
        plan = plan_export(module)
    except SourceError as error:
        return Step(STEPS[1], False, str(error))
    written = write_exports([plan])
    target = plan.target.relative_to(module.root).as_posix()
    return Step(STEPS[1], True, f"{target} {'written' if written else 'already up to date'}")


def _pytest_step(module, progress, timeout, counts, source_sha256):
    tests = run_module_pytest(module, timeout=timeout)
    counts["pytest"] = tests.counts()
    if tests.problem:
        return Step(STEPS[2], False, _first_line(tests.problem), tests.problem.strip().split("\n")[1:])
    summary = (f"{tests.passed} passed, {tests.failed} failed, {tests.errors} errors, {tests.skipped} skipped "
               f"(tests marked module(name='{module.slug}'))")
    return Step(STEPS[2], tests.ok, summary, tests.failures)


def _record_step(module, progress, timeout, counts, source_sha256):
    # Recorded into the file as it is now, not into `progress` as it was read before the tests ran:
    # another tito command may have recorded something meanwhile.
    with updating_progress(module.root) as fresh:
        fresh.record_completion(module.slug, source_sha256, counts["inline"], counts["pytest"])
    return Step(STEPS[3], True, f"{module.slug} is complete")


def _first_line(text):
    return (text or "").strip().split("\n", 1)[0]
