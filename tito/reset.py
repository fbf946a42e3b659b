"""`tito module reset`: put a module source back as the release handed it out, keeping a backup.

Only a workspace made by `tito release` has a "released state" (`.tito/released/`). In the
course repository the sources are the reference solutions and git holds their history;
stubbing them there would be a release, not a reset, so reset refuses and says so.
"""

from dataclasses import dataclass, field

from tito.atomic import atomic_write_text
from tito.notebooks import sync_module
from tito.progress import updating_progress
from tito.release_record import load_release, released_source
from tito.state import backup_file, sha256_text


class ResetError(Exception):
    """A reset that cannot be done safely; nothing was changed."""


@dataclass
class ResetReport:
    backups: list = field(default_factory=list)  # paths of the copies of the learner's files
    notebook: str = ""  # what happened to the notebook, if there is one
    progress_notice: str = ""  # set when a damaged progress file was rebuilt


def reset_module(module):
    """Restore `module`'s released source; back up the learner's `.py` (and notebook) first, and
    forget the module's progress."""
    root = module.root
    release = load_release(root)
    if not release or module.slug not in release["modules"]:
        raise ResetError(
            f"this workspace has no released version of {module.slug} (.tito/release.json comes from "
            "`tito release`); in the course repository, restore a file with git instead"
        )
    stored = released_source(root, module.slug)
    try:
        text = stored.read_text(encoding="utf-8")
    except OSError as error:
        raise ResetError(f"the released copy of {module.slug} cannot be read ({error}); nothing was changed") from None
    if sha256_text(text) != release["modules"][module.slug]["source_sha256"]:
        raise ResetError(f"{stored.relative_to(root).as_posix()} is not the source that was released; nothing was changed")

    report = ResetReport()
    try:
        for path in (module.source, module.notebook):
            if path.exists():
                report.backups.append(backup_file(root, path, module.slug))
    except OSError as error:
        raise ResetError(f"could not back up {module.slug} ({error}); nothing was changed") from None

    atomic_write_text(module.source, text)
    if module.notebook.exists():
        module.notebook.unlink()  # backed up above; rewritten from the restored source next
        report.notebook = sync_module(module).message
    with updating_progress(root) as progress:
        report.progress_notice = progress.notice or ""
        progress.forget(module.slug)
    return report
