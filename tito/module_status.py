"""Where a learner is in each module, for `tito module list` and `tito module status`.

- complete: `tito module complete` passed (and is recorded in .tito/progress.json);
- in progress: tested, or the source differs from the one the release handed out;
- not started: neither (in a workspace not made by `tito release`: never tested).
"""

from dataclasses import dataclass

from tito.notebooks import NotebookConflict, sync_if_notebook
from tito.state import sha256_file
from tito.workspace import all_modules


@dataclass
class ModuleStatus:
    slug: str
    state: str
    inline: dict = None  # last inline test counts: passed, total
    pytest: dict = None  # package test counts at completion: passed, failed, errors, skipped
    note: str = ""


def module_statuses(root, progress, release):
    """The status of every module of the workspace, each `.py` first brought in step with its notebook."""
    released = release["modules"] if release else {}
    statuses = []
    for module in all_modules(root):
        note = ""
        try:
            synced = sync_if_notebook(module)
            if synced and synced.wrote:
                note = synced.message
        except NotebookConflict:
            note = f"the .py and the notebook both changed: `tito module notebook {module.slug} --from py|notebook`"
        entry = progress.entry(module.slug)
        current = sha256_file(module.source)
        completed = entry.get("completed")
        if completed:
            state = "complete"
            if completed.get("source_sha256") != current:
                note = note or "the source changed since it was completed"
        elif entry or (module.slug in released and released[module.slug]["source_sha256"] != current):
            state = "in progress"
        else:
            state = "not started"
        statuses.append(ModuleStatus(module.slug, state, entry.get("inline"), (completed or {}).get("pytest"), note))
    return statuses
