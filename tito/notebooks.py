"""A module's notebook (`name_dev.ipynb`), made from its `.py` source and kept in step with it.

A learner may work in either file. tito remembers, in `.tito/notebooks.json`, what each held
when they were last in step: the `.py`'s hash, and a fingerprint of the notebook's cells
(types, sources, nbgrader metadata; outputs and ids do not count, so running the notebook
does not make it "changed"). Whichever file changed since is copied over the other; if both
changed, nothing is overwritten and the learner is asked to choose.

The `.py` keeps the course's short nbgrader metadata (e.g. `{"grade": true, "grade_id": ...,
"locked": true, "points": 15}`). nbgrader 0.9 refuses cells without its full schema 3
(`schema_version`, `grade`, `locked`, `solution`), so notebooks get the missing keys with
their defaults, and a `.py` regenerated from a notebook gets each cell's original form back.
"""

import copy
import hashlib
import json
import re
from dataclasses import dataclass

import jupytext
import nbformat

from tito.atomic import atomic_write_text
from tito.sources import SourceError
from tito.state import StateError, backup_file, load_or_rebuild, sha256_file, state_path, write_state

SYNC_FILE = "notebooks.json"
SYNC_SCHEMA = 1
NBGRADER_SCHEMA = 3
NBGRADER_DEFAULTS = {"grade": False, "locked": False, "solution": False}
# The body of a percent file without its YAML header (the .py keeps its own header) and with
# only nbgrader cell metadata (Jupyter adds e.g. "editable" and "trusted" to notebook cells).
BODY_FORMAT = {
    "extension": ".py", "format_name": "percent",
    "notebook_metadata_filter": "-all", "cell_metadata_filter": "nbgrader,-all",
}


class NotebookConflict(Exception):
    """The `.py` and the notebook both changed since they were last in step."""


def notebook_from_source(text):
    """The notebook of a percent-format source, with nbgrader metadata in nbgrader's full schema."""
    notebook = jupytext.reads(text, fmt="py:percent")
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"  # stable ids: the same source gives the same notebook
        meta = cell.metadata.get("nbgrader")
        if meta is not None:
            cell.metadata["nbgrader"] = _full_nbgrader(meta)
    return notebook


def _full_nbgrader(meta):
    return {**NBGRADER_DEFAULTS, **meta, "schema_version": NBGRADER_SCHEMA}


def source_from_notebook(notebook, current_text):
    """The `.py` text for `notebook`, keeping `current_text`'s header and short nbgrader metadata."""
    header = re.split(r"^(?=# %%)", current_text, maxsplit=1, flags=re.MULTILINE)[0]
    originals = {
        cell.metadata["nbgrader"].get("grade_id"): cell.metadata["nbgrader"]
        for cell in jupytext.reads(current_text, fmt="py:percent").cells if "nbgrader" in cell.metadata
    }
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        original = originals.get(meta.get("grade_id"))
        if original is not None and _full_nbgrader(original) == meta:
            cell.metadata["nbgrader"] = original
        else:  # metadata edited in the notebook: keep the edit, minus the schema bookkeeping
            cell.metadata["nbgrader"] = {key: value for key, value in meta.items() if key != "schema_version"}
    return header + jupytext.writes(notebook, fmt=BODY_FORMAT)


def fingerprint(notebook):
    """What of a notebook the `.py` holds: each cell's type, source and nbgrader metadata."""
    content = [[cell.cell_type, cell.source, cell.metadata.get("nbgrader")] for cell in notebook.cells]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def read_notebook(path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises JSON, validation and OS errors alike
        raise SourceError(
            path, 0, f"cannot read this notebook ({str(error).splitlines()[0]}); "
            "`tito module notebook MODULE --from py` rebuilds it from the .py (after a backup)",
        ) from None


def write_notebook(path, notebook):
    atomic_write_text(path, nbformat.writes(notebook))


@dataclass
class SyncResult:
    message: str  # what tito did, or that nothing needed doing
    wrote: bool  # whether a file was (re)written
    notice: str = None  # set when .tito/notebooks.json was unusable and is being rebuilt


def sync_module(module, prefer=None):
    """Bring the older of a module's `.py` and notebook up to date from the newer one.

    Writes the notebook if there is none. `prefer` ("py" or "notebook") settles a conflict by
    copying that side over the other. Raises NotebookConflict if both changed and no side is
    preferred. A file that is overwritten is first copied to `.tito/backups/`.
    """
    records, notice = _load_records(module.root)
    source_text = module.source.read_text(encoding="utf-8")
    source, target = _relative(module, module.source), _relative(module, module.notebook)
    wrote = True
    if not module.notebook.exists():
        notebook = _write_from_source(module, source_text, backup=False)
        message = f"wrote {target} from {source}"
    elif prefer == "py":  # without reading the notebook, which may be what is broken
        notebook = _write_from_source(module, source_text, backup=True)
        message = f"updated {target} from {source}"
    else:
        notebook = read_notebook(module.notebook)
        record = records.get(module.slug, {})
        source_changed = record.get("source_sha256") != sha256_file(module.source)
        notebook_changed = record.get("notebook_fingerprint") != fingerprint(notebook)
        if source_from_notebook(notebook, source_text) == source_text:
            message, wrote = f"{source} and {target} are in step", False
            if record and not (source_changed or notebook_changed):
                return SyncResult(message, wrote, notice)
        elif prefer is None and source_changed and not notebook_changed:
            notebook = _write_from_source(module, source_text, backup=True)
            message = f"updated {target} from {source}" + ("" if prefer else ", which was newer")
        elif prefer == "notebook" or (prefer is None and notebook_changed and not source_changed):
            backup_file(module.root, module.source, module.slug)
            atomic_write_text(module.source, source_from_notebook(notebook, source_text))
            message = f"updated {source} from {target}" + ("" if prefer else ", which was newer")
        else:
            since = "since they were last in step" if record else "and tito has no record of them being in step"
            raise NotebookConflict(
                f"{source} and {target} have both changed {since}; tito overwrites neither. "
                f"Keep one with `tito module notebook {module.slug} --from py` or `--from notebook` "
                "(the other is first copied to .tito/backups/)."
            )
    records[module.slug] = {"source_sha256": sha256_file(module.source), "notebook_fingerprint": fingerprint(notebook)}
    write_state(state_path(module.root, SYNC_FILE), {"modules": records}, SYNC_SCHEMA)
    return SyncResult(message, wrote, notice)


def sync_if_notebook(module):
    """Before a command reads a source: sync it with its notebook, if the learner made one."""
    return sync_module(module) if module.notebook.exists() else None


def _relative(module, path):
    return path.relative_to(module.root).as_posix()


def _write_from_source(module, source_text, backup):
    if backup:
        backup_file(module.root, module.notebook, module.slug)
    notebook = notebook_from_source(source_text)
    write_notebook(module.notebook, notebook)
    return notebook


def _load_records(root):
    data, notice = load_or_rebuild(root, SYNC_FILE, SYNC_SCHEMA, _check_records)
    return (data or {}).get("modules", {}), notice


def _check_records(data):
    modules = data.get("modules")
    if not isinstance(modules, dict) or not all(
        isinstance(record, dict) and set(record) == {"source_sha256", "notebook_fingerprint"}
        for record in modules.values()
    ):
        raise StateError("its \"modules\" entry is not a map of module name to the two hashes")
