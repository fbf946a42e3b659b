"""The workspace's own state folder, `.tito/`: versioned JSON files, backups and content hashes.

Everything tito remembers about a workspace lives here (and nowhere else), so deleting the
folder forgets it all. Every file is written atomically; a file that cannot be read is kept
as a backup and replaced by a fresh one, with one line saying so, never with a traceback.
"""

import hashlib
import json
import shutil
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from tito.atomic import atomic_write_text

STATE_DIR = ".tito"


def state_path(root, *parts):
    return Path(root, STATE_DIR, *parts)


def utc_now():
    """The current time in UTC, as ISO 8601 with a `Z`: what the state files record."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_text(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class StateError(Exception):
    """A state file that exists but cannot be used; the message says which and why."""


def read_state(path, schema_version):
    """The dict stored at `path` (without its schema_version), or None if there is no file.

    Raises StateError when the file is unreadable, not JSON, not an object, or written for
    another schema version.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise StateError(f"{path.name} is not readable JSON ({_first_line(error)})") from None
    if not isinstance(data, dict):
        raise StateError(f"{path.name} holds a {type(data).__name__}, not a JSON object")
    found = data.pop("schema_version", None)
    if found != schema_version:
        raise StateError(f"{path.name} has schema_version {found!r}; this tito reads version {schema_version}")
    return data


def write_state(path, data, schema_version):
    """Write `data` with its schema version, atomically, as stable (sorted) JSON."""
    text = json.dumps({"schema_version": schema_version, **data}, indent=2, sort_keys=True)
    atomic_write_text(path, text + "\n")


def load_or_rebuild(root, name, schema_version, check):
    """Read `.tito/<name>`; if it is unusable, back it up, start afresh and say so.

    `check(data)` raises StateError when the contents do not have the expected shape.
    Returns (data or None when there is no file, notice or None).
    """
    path = state_path(root, name)
    try:
        data = read_state(path, schema_version)
        if data is not None:
            check(data)
        return data, None
    except StateError as error:
        try:
            kept = backup_file(root, path, Path(name).stem)
        except OSError as failure:
            raise StateError(f"{error}, and it could not be backed up ({failure}); it was left as it is") from None
        path.unlink()
        return None, (
            f"{STATE_DIR}/{name} was unusable: {error}. It was moved to "
            f"{kept.relative_to(root).as_posix()} and will be rebuilt."
        )


def backup_file(root, path, label):
    """Copy `path` to `.tito/backups/<label>-<UTC time><suffix>` and return the copy's path.

    Never overwrites an earlier backup. Raises OSError if the copy cannot be made: callers
    must then leave the original alone.
    """
    folder = state_path(root, "backups")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    suffix = Path(path).suffix
    for attempt in range(1000):
        target = folder / f"{label}-{stamp}{f'-{attempt}' if attempt else ''}{suffix}"
        try:
            copy = open(target, "xb")
        except FileExistsError:
            continue
        try:
            with copy, open(path, "rb") as original:
                shutil.copyfileobj(original, copy)
                copy.flush()
        except BaseException:
            target.unlink(missing_ok=True)  # half a backup is worse than none: it looks like one
            raise
        return target
    raise OSError(f"could not find a free backup name for {label} in {folder}")


@contextmanager
def exclusive_lock(path):
    """Hold an exclusive lock on the file `path` (made if missing) while the block runs.

    Another process that asks for the same lock waits until this one is released; the
    operating system releases it, too, when its process dies, so a killed tito never leaves a
    stale lock behind.
    """
    import fcntl  # POSIX, like tito's process groups; imported here so that tito starts without it

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _first_line(error):
    return str(error).split("\n", 1)[0]
