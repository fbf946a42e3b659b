"""Child processes that run learner code: a fresh interpreter, the workspace's package, a time limit."""

import os
import signal
import subprocess
import sys
from dataclasses import dataclass


# `python -c RUN_BY_PATH FILE ARGS...` runs tito's own copy of a runner file as __main__. Runners
# are started this way, not with `-m tito.<runner>`: with the workspace on PYTHONPATH, `-m` would
# load the workspace's `tito/`, which a learner can edit.
RUN_BY_PATH = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"


# Imports the package and every module of tinytorch.core (the package's own __init__ imports them
# lazily, so `import tinytorch` alone would not notice a broken module), then prints where it was found.
IMPORT_PACKAGE_PROBE = (
    "import importlib, pkgutil, tinytorch, tinytorch.core as core; "
    "[importlib.import_module('tinytorch.core.' + m.name) for m in pkgutil.iter_modules(core.__path__)]; "
    "print(tinytorch.__file__)"
)


def workspace_env(root):
    """Environment for a child process that must import `tinytorch` from this workspace."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")]))
    env["PYTHONIOENCODING"] = "utf-8"
    env.setdefault("MPLBACKEND", "Agg")
    return env


@dataclass
class ChildResult:
    returncode: int  # None when the child was stopped for running too long
    stdout: str
    stderr: str
    timed_out: bool = False


def run_child(command, root, timeout):
    """Run `command` with cwd and PYTHONPATH at the workspace `root`, stopping it after `timeout` seconds.

    The child gets its own process group, so that a timeout stops everything it started
    (a learner's code may spawn processes), not just the interpreter.
    """
    own_group = sys.platform != "win32"
    process = subprocess.Popen(
        command, cwd=root, env=workspace_env(root), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
        start_new_session=own_group,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        return ChildResult(process.returncode, stdout, stderr)
    except subprocess.TimeoutExpired:
        _stop(process, own_group)
        stdout, stderr = process.communicate()
        return ChildResult(None, stdout, stderr, timed_out=True)
    except BaseException:  # interrupted by the user: leave no orphan behind
        _stop(process, own_group)
        process.communicate()
        raise


def _stop(process, own_group):
    try:
        if own_group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass  # it ended on its own in the meantime
