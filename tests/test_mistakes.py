"""The mistake catalogue (tests/mistakes/NN_name.py): each realistic mistake must cost its own module points.

Every mistake is a patch of one solution region of a module source (format in each file's
entries: id, why, find, replace, and `xfail` with a reason while the module's graded cells
cannot catch it yet). Each is applied to a fresh release that holds the reference sources,
and `tito grade --module` grades that module alone, sandboxed, against the instructor's
record: the module must lose points. A mistake marked xfail is strict: once the graded cells
catch it, the test fails until the mark is removed.
"""

import ast
import runpy
import shutil
from pathlib import Path

import pytest

from conftest import REPO, copy_reference_sources
from tito.grading.grade import grade_workspace
from tito.sources import BEGIN_SOLUTION, END_SOLUTION
from tito.workspace import all_modules

CATALOGUE = Path(__file__).with_name("mistakes")
MODULES = {module.slug: module for module in all_modules(REPO)}
MINIMUM = 8  # mistakes per module


def catalogue():
    """{slug: [mistake dict, ...]} of every catalogue file."""
    return {path.stem: runpy.run_path(str(path))["MISTAKES"] for path in sorted(CATALOGUE.glob("[0-9][0-9]_*.py"))}


def params():
    for slug, mistakes in catalogue().items():
        for mistake in mistakes:
            marks = [pytest.mark.xfail(strict=True, reason=mistake["xfail"])] if "xfail" in mistake else []
            yield pytest.param(slug, mistake, id=f"{slug}/{mistake['id']}", marks=marks)


def patched(slug, mistake):
    """The module's reference source with the mistake applied; fails loudly if the patch no longer fits."""
    text = MODULES[slug].source.read_text(encoding="utf-8")
    find = mistake["find"]
    where = f"tests/mistakes/{slug}.py, mistake {mistake['id']!r}"
    assert find.endswith("\n") and ("\n" + text).count("\n" + find) == 1, \
        f"{where}: `find` must be whole lines that occur exactly once in {MODULES[slug].source.name}"
    start = ("\n" + text).index("\n" + find)
    before = text[:start].split("\n")
    inside = [line.strip() for line in before if line.strip() in (BEGIN_SOLUTION, END_SOLUTION)]
    assert inside and inside[-1] == BEGIN_SOLUTION and END_SOLUTION not in find and BEGIN_SOLUTION not in find, \
        f"{where}: `find` must lie inside one ### BEGIN/END SOLUTION region"
    result = text[:start] + mistake["replace"] + text[start + len(find):]
    ast.parse(result)  # still valid Python: a mistake is not a syntax error
    return result


def test_every_module_has_a_catalogue_of_enough_well_formed_mistakes():
    found = catalogue()
    assert set(found) == set(MODULES), "one catalogue file per module"
    for slug, mistakes in found.items():
        assert len(mistakes) >= MINIMUM, f"{slug} has {len(mistakes)} mistakes; at least {MINIMUM} are needed"
        ids = [mistake["id"] for mistake in mistakes]
        assert len(set(ids)) == len(ids), f"{slug}: mistake ids repeat"
        for mistake in mistakes:
            assert set(mistake) <= {"id", "why", "find", "replace", "xfail"} and mistake["why"], mistake["id"]
            assert patched(slug, mistake) != MODULES[slug].source.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def solved_release(pristine_release, tmp_path_factory):
    """A fresh release whose sources are the reference solutions."""
    work = tmp_path_factory.mktemp("solved") / "W"
    shutil.copytree(pristine_release, work)
    copy_reference_sources(work)
    return work


@pytest.mark.slow  # one sandboxed grading per mistake, about 1.5 s each in a warm worker: 346 of them
@pytest.mark.parametrize("slug, mistake", list(params()))
def test_tito_grade_takes_points_for_the_mistake_from_its_module(slug, mistake, solved_release, instructor_record,
                                                                  tmp_path):
    work = tmp_path / "W"
    shutil.copytree(solved_release, work)
    (work / MODULES[slug].source.relative_to(REPO)).write_text(patched(slug, mistake), encoding="utf-8")
    # The grader that `tito grade --module` runs (tests/test_tito_grade.py runs the command itself),
    # called in this process: each cell is still sandboxed, and the worker's parse of the twelve
    # unchanged sources is reused, which halves the catalogue's cost.
    module = grade_workspace(work, release=instructor_record, only={slug}).as_json()["modules"][slug]
    lost = {grade_id: test["status"] for grade_id, test in module["tests"].items() if test["status"] != "passed"}
    assert module["earned"] < module["possible"], f"{mistake['why']}: every graded cell of {slug} still passes"
    assert "needs-review" not in lost.values(), f"an honest mistake was flagged for review: {lost}"
