"""The grader's scratch folder: the learner's workspace copied, one folder per cell, gone afterwards.

Each grading gets one folder `tito-grade-*` in the temporary directory, holding a lock (flock)
for as long as the grader lives. It is removed when grading ends or is interrupted (tito's
signal handlers turn SIGINT, SIGTERM and SIGHUP into exceptions: tito.processes). A grader
killed outright (SIGKILL) cannot clean up; the next grading removes every such folder whose
lock is free.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

PREFIX = "tito-grade-"
LOCK = ".lock"
COPIED = ("modules", "tinytorch")  # what of the workspace graded code can use
MAX_COPY = 256 * 2**20  # bytes: a workspace bigger than this is refused, not copied
_SKIPPED = {"__pycache__", ".ipynb_checkpoints"}


class WorkspaceTooLarge(Exception):
    """The workspace's modules/ and tinytorch/ hold more than the grader copies."""


@contextmanager
def scratch_folder():
    """A fresh, locked scratch folder, removed on leaving (an interruption included)."""
    remove_abandoned()
    # Made and locked under a name the cleaner does not match, then renamed: never seen unlocked.
    import fcntl  # POSIX only: tito's other commands must still import on Windows

    making = Path(tempfile.mkdtemp(prefix=".new-" + PREFIX))
    lock = open(making / LOCK, "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    folder = making.with_name(making.name.removeprefix(".new-"))
    making.rename(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        lock.close()


def remove_abandoned():
    """Remove the scratch folders of graders that were killed before they could."""
    import fcntl

    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            with open(folder / LOCK, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
        except (BlockingIOError, NotADirectoryError, FileNotFoundError, PermissionError):
            continue  # in use by a living grader, or not ours


def copy_workspace(root, target):
    """Copy what graded code may use of the workspace to `target`, readable by any user.

    Symbolic links are left out (followed, they could hand the sandbox a file the learner cannot
    read); returns their workspace-relative paths.
    """
    skipped, total = [], 0
    for name in COPIED:
        top = Path(root, name)
        if top.is_symlink() or not top.is_dir():
            skipped.append(name)
            continue
        for folder, dirs, files in os.walk(top):
            relative = Path(folder).relative_to(root)
            made = Path(target, relative)
            made.mkdir(parents=True, exist_ok=True)
            made.chmod(0o755)
            skipped += [(relative / entry).as_posix() for entry in dirs + files if Path(folder, entry).is_symlink()]
            dirs[:] = [entry for entry in dirs if entry not in _SKIPPED and not Path(folder, entry).is_symlink()]
            for entry in files:
                path = Path(folder, entry)
                if path.is_symlink() or entry.endswith((".ipynb", ".pyc")):
                    continue
                total += path.stat().st_size
                if total > MAX_COPY:
                    raise WorkspaceTooLarge(f"{root}'s {' and '.join(COPIED)} hold more than {MAX_COPY // 2**20} MiB; "
                                            "the grader copies no more than that")
                shutil.copyfile(path, made / entry)
                (made / entry).chmod(0o644)
    return skipped
