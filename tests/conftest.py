"""Shared helpers for the test suite."""

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinytorch.threads import BLAS_THREAD_VARIABLES
from tito.workspace import all_modules

REPO = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    """Skip the tests marked slow, visibly, unless CI's TINYTORCH_RUN_SLOW=1 or a `-m` expression names them.

    `python -m pytest` is the learner's quick check; the slow tests are long end-to-end runs
    (the Fashion-MNIST milestone, `tito module complete` over every module, grading the whole
    course, the adversarial submissions and the mistake catalogue, every notebook in a kernel,
    the benchmark harness) that CI runs every time. `-m slow` runs just them; `-m "not slow"` leaves them out unlisted.
    """
    if os.environ.get("TINYTORCH_RUN_SLOW") == "1" or "slow" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="slow: a long end-to-end run that CI runs; TINYTORCH_RUN_SLOW=1 runs it here too")
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(skip)


def run_tito(*args, cwd, env=None, timeout=600):
    """Run the tito command line in a fresh process, as a user would; `env` adds variables (None removes one)."""
    return subprocess.run(
        [sys.executable, "-m", "tito", *map(str, args)],
        cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace",
        env=child_env(env), timeout=timeout,
    )


def child_env(changes=None):
    """This process's environment with `changes`: a value sets a variable, None removes it."""
    env = {**os.environ, **(changes or {})}
    return {name: value for name, value in env.items() if value is not None}


# The environment without any variable that sets a BLAS thread count: tinytorch's default applies.
NO_BLAS_THREAD_SETTING = {name: None for name in BLAS_THREAD_VARIABLES}


@pytest.fixture
def workspace(tmp_path):
    """A throwaway copy of the workspace (module sources and package) to break and repair."""
    root = tmp_path / "ws"
    shutil.copytree(REPO / "modules", root / "modules", ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    shutil.copytree(REPO / "tinytorch", root / "tinytorch", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def require_package(name, ci_variable, reason):
    """Import an optional package for a test; skip visibly when absent, unless CI demands it by
    setting `ci_variable` to 1 (CI installs the package: its absence must fail, not skip)."""
    if os.environ.get(ci_variable) == "1":
        return importlib.import_module(name)
    return pytest.importorskip(name, reason=reason)


def require_torch():
    return require_package("torch", "TINYTORCH_REQUIRE_TORCH",
                           "torch not installed: the PyTorch parity tests need it as a reference")


def require_fashion_mnist():
    """Skip visibly when the Fashion-MNIST files are not on this machine, unless CI demands them."""
    from tinytorch.datasets.fashion_mnist import find_fashion_mnist

    try:
        for split in ("train", "test"):
            find_fashion_mnist(split)
    except FileNotFoundError as error:
        if os.environ.get("TINYTORCH_REQUIRE_FASHION_MNIST") == "1":
            pytest.fail(f"TINYTORCH_REQUIRE_FASHION_MNIST=1 but {error}")
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist adds it)")


@pytest.fixture(scope="session")
def pristine_release(tmp_path_factory):
    """One student release of this repository, made once per test session; never modified."""
    out = tmp_path_factory.mktemp("release") / "W"
    result = run_tito("release", "--out", out, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="session")
def instructor_record(pristine_release):
    """The instructor's copy of the pristine release's record, written beside the release."""
    return pristine_release.with_name(pristine_release.name + ".release-record.json")


@pytest.fixture
def student(pristine_release, tmp_path):
    """A learner's copy of the student release, to work in, break and grade."""
    root = tmp_path / "W"
    shutil.copytree(pristine_release, root)
    return root


def copy_reference_sources(root, slugs=None):
    """Do a learner's work the quick way: put the course's reference sources (default: all) into `root`."""
    for slug in slugs or [module.slug for module in all_modules(REPO)]:
        source = next((REPO / "modules" / slug).glob("*_dev.py"))
        shutil.copy2(source, root / "modules" / slug / source.name)


# A line of Module 03's imports cell, which runs before every graded cell: where tests that play a
# learner add code to that module.
LAYERS_IMPORTS = "from tinytorch.core.tensor import Tensor, default_generator, from_numpy\n"

# Code for a cell that starts processes although the grader's guard refuses subprocess.Popen
# (subprocess's own audit call is pointed elsewhere), so that what happens next is up to the sandbox.
SPAWN = (
    "import subprocess, sys\n"
    "subprocess.sys = type('NoAudit', (), {'audit': staticmethod(lambda *args: None),\n"
    "                                      '__getattr__': lambda self, name: getattr(sys, name)})()\n"
)


def live_processes(marker):
    """Pids of the live processes that have `marker` as one of their command-line arguments."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as stream:
                    if marker.encode() in stream.read().split(b"\0"):
                        found.append(int(entry.name))
            except OSError:
                pass  # it ended while we looked
    return found
