"""Child processes that run learner code: a fresh interpreter, the workspace's package, a time limit."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
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


class Stopped(BaseException):
    """tito was told to stop by `signum` (SIGTERM, SIGHUP): it unwinds, its children already gone."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


# Every child started and not yet reaped, so that a signal that stops tito stops them first: a
# child runs in its own process group (out of reach of the terminal's Ctrl-C) and would outlive
# tito otherwise. The value says whether the child is passed the signal, to clean up and say
# so itself, rather than killed at once. `_stopping` holds the signal once one came; from
# then on no child starts.
_children = {}
_stopping = None
# Seconds a child passed the signal has to end on its own before it is killed.
GRACE_SECONDS = 10


def stop_children_on_signals():
    """Install tito's handlers for SIGINT, SIGTERM and SIGHUP: stop every child's process group,
    then raise in the main thread (KeyboardInterrupt for SIGINT, Stopped for the others), so tito
    can say so in one line. Worker threads that try to start another child get Stopped instead.
    A second signal kills every child at once."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)


def _on_signal(signum, frame):
    global _stopping
    first = _stopping is None
    _stopping = signum
    for process, passed_on in list(_children.items()):
        _stop(process, signum if passed_on and first else None)
    if first:  # a second Ctrl-C while tito unwinds must not interrupt its clean-up
        raise KeyboardInterrupt if signum == signal.SIGINT else Stopped(signum)


def _start(command, root, pass_signals=False, env=None, **streams):
    """Start `command` at the workspace `root` in a process group of its own, tracked until reaped."""
    if _stopping is not None:
        raise Stopped(_stopping)
    process = subprocess.Popen(command, cwd=root, env=workspace_env(root) if env is None else env,
                               stdin=subprocess.DEVNULL, start_new_session=sys.platform != "win32", **streams)
    _children[process] = pass_signals
    if _stopping is not None:  # the signal came while it was starting: the handler did not see it
        _stop(process)
    return process


def run_child(command, root, timeout):
    """Run `command` with cwd and PYTHONPATH at the workspace `root`, stopping it after `timeout` seconds.

    The child gets its own process group, so that a timeout stops everything it started
    (a learner's code may spawn processes), not just the interpreter.
    """
    process = _start(command, root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True, encoding="utf-8", errors="replace")
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        return ChildResult(process.returncode, stdout, stderr)
    except subprocess.TimeoutExpired:
        _stop(process)
        stdout, stderr = process.communicate()
        return ChildResult(None, stdout, stderr, timed_out=True)
    except BaseException:  # interrupted by the user: leave no orphan behind
        _stop(process)
        process.communicate()
        raise
    finally:
        _children.pop(process, None)


@contextmanager
def tracked_child(command, root, env=None, **popen):
    """Start `command` at `root` as run_child does (its own process group, stopped by tito's signal
    handlers), with `env` (default: the workspace's); when the block ends, kill its group and reap it."""
    process = _start(command, root, env=env, **popen)
    try:
        yield process
    finally:
        _stop(process)
        process.wait()
        _children.pop(process, None)


def run_in_terminal(command, root):
    """Run `command` at the workspace `root` with tito's own stdout and stderr, so its output
    appears live, and return its exit code.

    Ctrl-C reaches tito alone, which passes it on: the child (a milestone) ends its progress bar,
    says it was interrupted and exits 130, which is returned. A child that has not ended
    `GRACE_SECONDS` later is killed and the interrupt raised.
    """
    process = _start(command, root, pass_signals=True)
    try:
        return process.wait()
    except BaseException as error:
        try:
            code = process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _stop(process)
            process.wait()
            raise error from None
        if isinstance(error, KeyboardInterrupt):
            return code
        raise
    finally:
        _children.pop(process, None)


def _stop(process, signum=None):
    """Kill the child and everything it started (its process group), or pass it `signum`."""
    try:
        if sys.platform != "win32":
            os.killpg(process.pid, signum or signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass  # it ended on its own in the meantime
