"""The learner's progress, `.tito/progress.json`: which modules are complete, with what test counts.

    {"schema_version": 1, "modules": {"03_layers": {
        "inline": {"passed": 4, "total": 4, "at": "2025-..Z"},      # last `tito module test`
        "completed": {"at": "2025-..Z", "source_sha256": "...",    # last `tito module complete`
                      "inline": {"passed": 4, "total": 4},
                      "pytest": {"passed": 62, "failed": 0, "errors": 0, "skipped": 0}}}}}
"""

from contextlib import contextmanager

from tito.state import StateError, exclusive_lock, load_or_rebuild, read_state, state_path, utc_now, write_state

PROGRESS_FILE = "progress.json"
PROGRESS_SCHEMA = 1
# Held while a command reads, changes and writes progress.json (see updating_progress).
LOCK_FILE = "progress.lock"


class Progress:
    """The progress file's contents. Read it with `load_progress`; change it only inside
    `updating_progress`, which writes it back."""

    def __init__(self, root, modules, notice=None):
        self.root, self.modules, self.notice = root, modules, notice

    def entry(self, slug):
        return self.modules.get(slug, {})

    def is_complete(self, slug):
        return "completed" in self.entry(slug)

    def record_inline(self, slug, passed, total):
        self.modules.setdefault(slug, {})["inline"] = {"passed": passed, "total": total, "at": utc_now()}

    def record_completion(self, slug, source_sha256, inline, pytest):
        entry = self.modules.setdefault(slug, {})
        entry["inline"] = {**inline, "at": utc_now()}
        entry["completed"] = {"at": utc_now(), "source_sha256": source_sha256, "inline": inline, "pytest": pytest}

    def forget(self, slug):
        self.modules.pop(slug, None)


@contextmanager
def updating_progress(root):
    """Yield the workspace's progress, read fresh under a lock, and write it back when the block ends.

    Two tito commands in one workspace (`module complete 03` while `module test 05` runs) each
    read, change and write the file; without the lock the later write would drop the earlier
    one's update. Nothing is written if the block raises. A damaged file is backed up and
    replaced by an empty one (see `notice`).
    """
    with exclusive_lock(state_path(root, LOCK_FILE)):
        data, notice = load_or_rebuild(root, PROGRESS_FILE, PROGRESS_SCHEMA, check_progress)
        progress = Progress(root, (data or {}).get("modules", {}), notice)
        yield progress
        write_state(state_path(root, PROGRESS_FILE), {"modules": progress.modules}, PROGRESS_SCHEMA)


def load_progress(root):
    """The workspace's progress, to read; a damaged file is backed up and rebuilt (see `notice`)."""
    try:
        data = read_state(state_path(root, PROGRESS_FILE), PROGRESS_SCHEMA)
        if data is not None:
            check_progress(data)
    except StateError:
        with updating_progress(root) as progress:  # rebuilt under the lock: no concurrent update is lost
            return progress
    return Progress(root, (data or {}).get("modules", {}))


def check_progress(data):
    """Raise StateError unless `data` has the shape written above."""
    modules = data.get("modules")
    if not isinstance(modules, dict):
        raise StateError('it has no "modules" map')
    for slug, entry in modules.items():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(key, {}), dict) for key in ("inline", "completed")):
            raise StateError(f"the entry of {slug!r} is not a map of test counts")
