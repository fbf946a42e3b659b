"""Run one graded cell in a bubblewrap sandbox, or (when asked) without one, under caps.

The sandbox (bwrap) sees:
- the Python environment read-only: /usr (and /bin, /lib... as on the host), the base
  installation and the virtual environment of the grader's interpreter, with the grader's own
  installation (tito, the course's tinytorch, an editable install's path hook) masked out;
- the learner's workspace, a scratch copy made for this grading, read-only at /workspace;
- the runner (cell_runner.py) and its plan under /grader, read-only; an empty /tmp (tmpfs);
- a minimal /dev; no /proc; nothing else of the file system; an environment of a few
  variables (no variable of the grader's).
It has its own PID, network (so none), IPC and UTS namespaces and its own session; it dies
with the grader (--die-with-parent), and when its first process ends, the kernel ends every
process in it. The runner caps its own address space, CPU time, processes, file size and open
files before any learner code runs; the grader reads at most MAX_OUTPUT bytes of output and
stops the sandbox when there is more, or when the time limit passes.

Run as root, the sandbox keeps only CAP_SETUID/CAP_SETGID, which the runner uses to become an
otherwise unused uid (the process cap only holds for a uid that is not root). Run as an
ordinary user, bwrap makes a user namespace (nested ones disabled) and the process cap counts
that user's other processes too.

What it cannot stop: see "What the sandbox cannot stop" in README.md.
"""

import importlib.metadata
import json
import math
import os
import secrets
import selectors
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

from tito.processes import tracked_child

RUNNER = Path(__file__).with_name("cell_runner.py")
SANDBOX_ROOT, SANDBOX_RUNNER, SANDBOX_PLAN = "/workspace", "/grader/cell_runner.py", "/grader/plan.json"
MAX_OUTPUT = 4 * 2**20  # bytes of stdout+stderr read before the cell is stopped
KEPT_OUTPUT = 16 * 2**10  # bytes of the start and of the end of the output kept for messages
MAX_CHANNEL = 2**20  # bytes of protocol a cell may send
PROCESSES = 16  # tasks (processes and threads) a cell may have at once
FILE_SIZE = 64 * 2**20
OPEN_FILES = 256
TMP_SIZE = 256 * 2**20
ENVIRONMENT = {
    "PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
    # One thread: a cell is one task, and its results do not depend on the BLAS's thread count.
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
}
SYSTEM_TREES = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
UID_RANGE = (2_000_000_000, 2_100_000_000)  # where an otherwise unused uid for each cell is drawn (as root)


class SandboxError(Exception):
    """The sandbox cannot be used on this machine; the message says why and what to do."""


@dataclass
class CellRun:
    """What the grader observed of one cell's process (the verdict is read from `channel`)."""
    nonce: bytes
    channel: bytes
    output: str  # the start and the end of stdout+stderr
    returncode: int = None
    timed_out: bool = False
    output_exceeded: bool = False
    channel_exceeded: bool = False


def check_bubblewrap():
    """Raise SandboxError unless bwrap is installed."""
    if shutil.which("bwrap") is None:
        raise SandboxError(
            "bubblewrap (bwrap) is not installed, so graded code cannot be isolated: install it "
            "(apt-get install bubblewrap), or pass --no-sandbox to grade without isolation (the gradebook says so)")


def cell_limits(timeout, memory):
    """The resource limits the runner puts on itself (and so on all it starts), by resource name.

    A value is the soft and hard limit, or [soft, hard]: past its soft CPU limit a process gets
    SIGXCPU (reported as running out of time), past the hard one SIGKILL.
    """
    cpu = math.ceil(timeout) + 1
    return {
        "RLIMIT_AS": memory, "RLIMIT_CPU": [cpu, cpu + 1], "RLIMIT_NPROC": _process_limit(),
        "RLIMIT_FSIZE": FILE_SIZE, "RLIMIT_NOFILE": OPEN_FILES, "RLIMIT_CORE": 0,
    }


def _process_limit():
    """As root each cell gets a uid of its own; otherwise the cap counts this user's other tasks too."""
    if os.geteuid() == 0:
        return PROCESSES
    uid, tasks = str(os.getuid()), 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue  # the process ended while we looked
        if fields.get("Uid", "").split()[:1] == [uid]:
            tasks += int(fields.get("Threads", "1"))
    return tasks + PROCESSES


class Runner:
    """Starts cells, sandboxed or not (tito's signal handlers stop those running: tito.processes)."""

    def __init__(self, sandboxed):
        self.sandboxed = sandboxed

    def check(self, workspace, job_dir):
        """Raise SandboxError unless this interpreter and numpy start in the sandbox as cells will see it."""
        if not self.sandboxed:
            return
        check_bubblewrap()
        Path(job_dir).mkdir(mode=0o755)
        Path(job_dir, "plan.json").write_text("{}", encoding="utf-8")
        probe = subprocess.run([*_bwrap(Path(workspace), Path(job_dir)), sys.executable, "-I", "-c", "import numpy"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=120)
        if probe.returncode != 0:
            detail = (probe.stderr or probe.stdout).strip().splitlines()[-1:] or [f"exit code {probe.returncode}"]
            raise SandboxError(f"the sandbox cannot start this Python ({sys.executable}): {detail[0]}; "
                               "pass --no-sandbox to grade without isolation")

    def plan_root(self, workspace):
        """Where the runner will see the workspace."""
        return SANDBOX_ROOT if self.sandboxed else str(workspace)

    def run(self, plan, workspace, job_dir, timeout):
        """Run the cell of `plan` (a dict) over the read-only `workspace`; return a CellRun."""
        if self.sandboxed and os.geteuid() == 0:
            plan = {**plan, "user": secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) + UID_RANGE[0]}
        plan_path = Path(job_dir, "plan.json")
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        plan_path.chmod(0o644)
        nonce = secrets.token_hex(16).encode()
        nonce_read, nonce_write = os.pipe()
        os.write(nonce_write, nonce)
        os.close(nonce_write)
        channel_read, channel_write = os.pipe()
        info_read, info_write = os.pipe() if self.sandboxed else (None, None)
        passed = tuple(fd for fd in (nonce_read, channel_write, info_write) if fd is not None)
        runner_args = [str(nonce_read), str(channel_write)]
        if self.sandboxed:
            command = [*_bwrap(Path(workspace), Path(job_dir), info_write), sys.executable, "-I", SANDBOX_RUNNER,
                       SANDBOX_PLAN, *runner_args]
        else:
            command = [sys.executable, "-I", str(RUNNER), str(plan_path), *runner_args]
        environment = ENVIRONMENT if self.sandboxed else {**ENVIRONMENT, "HOME": str(job_dir), "TMPDIR": str(job_dir)}
        unused = (channel_read, info_read, *passed)  # closed below, whatever happens
        try:
            with tracked_child(command, workspace, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, pass_fds=passed) as process, process.stdout:
                _close(passed)  # the child has its copies; ours would keep the pipes open
                unused = (channel_read, info_read)
                run, info = _collect(process, nonce, channel_read, info_read, timeout)
            # Here the sandbox's first process is killed and reaped; wait for the kernel to end the rest.
            _wait_for_sandbox(info)
            run.returncode = process.returncode
            return run
        finally:
            _close(unused)


def _close(fds):
    for fd in fds:
        if fd is not None:
            os.close(fd)


def _collect(process, nonce, channel_read, info_read, timeout):
    """Read the cell's output, protocol and sandbox info until all end, a cap is hit, or time is up.

    Returns (CellRun, the sandbox's info); the caller stops the process.
    """
    run = CellRun(nonce, b"", "")
    output, channel, info = _Output(), bytearray(), bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, "output")
        selector.register(channel_read, selectors.EVENT_READ, "channel")
        if info_read is not None:
            selector.register(info_read, selectors.EVENT_READ, "info")
        deadline = time.monotonic() + timeout
        while selector.get_map() and not (run.output_exceeded or run.channel_exceeded):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                run.timed_out = True
                break
            for key, _ in selector.select(min(remaining, 1.0)):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fileobj)
                elif key.data == "output":
                    output.add(data)
                    run.output_exceeded = output.size > MAX_OUTPUT
                elif key.data == "channel":
                    channel += data
                    run.channel_exceeded = len(channel) > MAX_CHANNEL
                else:
                    info += data
    run.channel, run.output = bytes(channel[:MAX_CHANNEL]), output.text()
    return run, info


class _Output:
    """The start and the end of a stream, and its size: a cell may print far more than we keep."""

    def __init__(self):
        self.head, self.tail, self.size = bytearray(), bytearray(), 0

    def add(self, data):
        self.size += len(data)
        room = KEPT_OUTPUT - len(self.head)
        self.head += data[:room]
        self.tail = (self.tail + data[room:])[-KEPT_OUTPUT:] if len(data) > room else self.tail

    def text(self):
        skipped = self.size - len(self.head) - len(self.tail)
        marker = f"\n[... {skipped} bytes not kept ...]\n".encode() if skipped else b""
        return (self.head + marker + self.tail).decode("utf-8", "replace")


def _wait_for_sandbox(info):
    """Wait until the sandbox's first process is gone: the kernel has then ended every process in it."""
    try:
        pid = json.loads(bytes(info).decode() or "{}").get("child-pid")
    except ValueError:
        pid = None
    if not pid:
        return
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # already gone
    try:
        selector = selectors.DefaultSelector()
        selector.register(pidfd, selectors.EVENT_READ)
        if not selector.select(10):
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            selector.select(10)
        selector.close()
    finally:
        os.close(pidfd)


def _namespaces():
    return ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session"]


def _system_binds():
    """/usr read-only, and /bin, /lib... as the host has them (symlinks into /usr, or folders)."""
    args = []
    for tree in SYSTEM_TREES:
        path = Path(tree)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), tree]
        elif path.is_dir():
            args += ["--ro-bind", tree, tree]
    return args


def _bwrap(workspace, job_dir, info_fd=None):
    args = [shutil.which("bwrap"), *_namespaces(), "--clearenv"]
    for name, value in ENVIRONMENT.items():
        args += ["--setenv", name, value]
    # /tmp first: an interpreter or environment under /tmp is then bound on top of it, not hidden by it.
    args += [*_system_binds(), "--dev", "/dev", "--perms", "1777", "--size", str(TMP_SIZE), "--tmpfs", "/tmp"]
    trees = [Path(tree) for tree in SYSTEM_TREES if Path(tree).is_dir() and not Path(tree).is_symlink()]
    for tree in _python_trees():
        if not any(tree == bound or bound in tree.parents for bound in trees):
            args += _make_parents(tree) + ["--ro-bind", str(tree), str(tree)]
            trees.append(tree)
    empty = job_dir / "empty"
    empty.touch(mode=0o644)
    for hidden in _grader_files():
        if any(bound in hidden.parents for bound in trees):
            args += ["--tmpfs", str(hidden)] if hidden.is_dir() else ["--ro-bind", str(empty), str(hidden)]
    args += ["--ro-bind", str(workspace), SANDBOX_ROOT, "--perms", "0755", "--dir", "/grader",
             "--ro-bind", str(RUNNER), SANDBOX_RUNNER, "--ro-bind", str(job_dir / "plan.json"), SANDBOX_PLAN,
             "--chdir", SANDBOX_ROOT]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user", "--disable-userns"]
    return args + ["--"]


def _python_trees():
    """The folders the grader's interpreter needs: its base installation and its virtual environment."""
    trees = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.executable).resolve().parent}
    return sorted(trees, key=lambda path: len(path.parts))


def _make_parents(tree):
    """bwrap makes missing parent folders private (0700); a dropped uid must be able to pass through them."""
    args = []
    for parent in reversed(tree.parents):
        if parent != Path("/"):
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _grader_files():
    """The grader's own installation, which the learner's code must not see (in a course repository
    installed in editable mode, the path hook leads to the reference solutions)."""
    found = set()
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}:
        for distribution in importlib.metadata.distributions(path=[folder]):
            if distribution.metadata["Name"] == "tinytorch":
                found.update(Path(folder, *(file.parts if file.parts[0] == "__pycache__" else file.parts[:1]))
                             for file in distribution.files or () if file.parts[0] != "..")
    here = Path(__file__).resolve().parents[1]  # the tito package
    found.update({here, here.parent / "tinytorch"})
    if (here.parent / "pyproject.toml").is_file():  # a source tree: the course repository itself
        found.add(here.parent / "modules")
    return sorted(path for path in found if path.exists())
