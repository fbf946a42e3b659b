"""`tito doctor`: is this machine and this workspace ready for the course? One check a row, each with a fix."""

import importlib
import sys
from dataclasses import dataclass

from tito import MIN_PYTHON
from tito.export import plan_export
from tito.processes import IMPORT_PACKAGE_PROBE, run_child
from tito.progress import PROGRESS_FILE, PROGRESS_SCHEMA, check_progress
from tito.release_record import load_release
from tito.sources import SourceError
from tito.state import STATE_DIR, StateError, read_state, state_path
from tito.workspace import WorkspaceError, all_modules, find_root

INSTALL = 'pip install -e ".[dev]" in the workspace (see README.md)'


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(start=None):
    """Every check, in order; the workspace checks only when a workspace is found."""
    checks = [_python(), _package_version("numpy"), _blas(), _package_version("jupytext"), _kernel(),
              _package_version("pytest")]
    try:
        root = find_root(start)
    except WorkspaceError as error:
        return checks + [Check("workspace", False, str(error), "run tito inside a course workspace")]
    checks.append(Check("workspace", True, str(root)))
    modules = all_modules(root)
    checks += [_package(root), *_sources(root, modules), _progress(root), _release(root)]
    return checks


def _python():
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    return Check("Python", ok, f"{version} at {sys.executable}",
                 "" if ok else f"install Python {'.'.join(map(str, MIN_PYTHON))} or newer and make a new .venv")


def _blas():
    """The BLAS that does tinytorch's matrix products, its CPU kernel and threads, as tinytorch sets them."""
    try:
        from tinytorch.threads import describe_blas
    except Exception as error:  # a broken workspace package is reported by the `tinytorch imports` row
        return Check("BLAS", False, f"cannot ask tinytorch: {type(error).__name__}: {error}", INSTALL)
    return Check("BLAS", True, describe_blas())


def _package_version(name):
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        return Check(name, False, str(error), INSTALL)
    return Check(name, True, getattr(module, "__version__", "installed"))


def _kernel():
    """`tito module notebook --execute` needs nbclient and a Python kernel (ipykernel)."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
        importlib.import_module("nbclient")
        spec = KernelSpecManager().get_kernel_spec("python3")
    except ImportError as error:
        return Check("Jupyter kernel", False, str(error), INSTALL)
    except NoSuchKernel:
        return Check("Jupyter kernel", False, "no python3 kernel is installed", f"{INSTALL}; it brings ipykernel")
    return Check("Jupyter kernel", True, f"python3 ({spec.display_name})")


def _package(root):
    """The package must import, and from this workspace (not from another copy on the path)."""
    result = run_child([sys.executable, "-c", IMPORT_PACKAGE_PROBE], root, timeout=120)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return Check("tinytorch imports", False, last, "fix the error above, then `tito module export`")
    location = result.stdout.strip()
    if not location.startswith(str(root)):
        return Check("tinytorch imports", False, f"from {location}, not from {root}",
                     "run tito from the workspace, or reinstall it there with " + INSTALL)
    return Check("tinytorch imports", True, f"from {location}")


def _sources(root, modules):
    broken, stale = [], []
    for module in modules:
        try:
            plan = plan_export(module)
        except SourceError as error:
            broken.append(str(error))
            continue
        if not plan.is_current():
            stale.append(plan.target.relative_to(root).as_posix())
    if broken:
        yield Check("module sources", False, "; ".join(broken), "fix the source at the line named")
    else:
        yield Check("module sources", True, f"{len(modules)} parse and pass the nbgrader checks")
    if stale:
        yield Check("export in sync", False, f"stale: {', '.join(stale)}", "tito module export")
    elif not broken:
        yield Check("export in sync", True, "tinytorch/core matches every source")


def _progress(root):
    try:
        data = read_state(state_path(root, PROGRESS_FILE), PROGRESS_SCHEMA)
        if data is not None:
            check_progress(data)
    except StateError as error:
        return Check("progress file", False, str(error),
                     "tito module status: it keeps a copy of the damaged file and starts a new one")
    return Check("progress file", True, f"{STATE_DIR}/{PROGRESS_FILE} " + ("readable" if data is not None else "not written yet"))


def _release(root):
    try:
        release = load_release(root)
    except StateError as error:
        return Check("release record", False, str(error),
                     f"copy {STATE_DIR}/release.json from the release you were given: grading and reset need it")
    return Check("release record", True, "a student release" if release else "none: this is not a student release")
