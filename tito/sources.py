"""Reading module sources: jupytext percent files, as cells with metadata, directives and line numbers."""

import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path

import jupytext

DIRECTIVE_PREFIX = "#|"
KNOWN_DIRECTIVES = ("export", "default_exp")


class SourceError(Exception):
    """A module source that cannot be used, located as `file:line: message`."""

    def __init__(self, path, line, message):
        self.path, self.line, self.message = Path(path), line, message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Cell:
    kind: str  # "code" or "markdown"
    source: str
    metadata: dict
    line: int  # 1-based line of the cell's first source line in the file (0 when unknown)
    directives: dict = field(default_factory=dict)  # e.g. {"export": "", "default_exp": "core.layers"}
    directive_lines: int = 0  # how many leading source lines are directives

    @property
    def body(self):
        """The cell's code without its leading directive lines."""
        return "\n".join(self.source.split("\n")[self.directive_lines:])

    @property
    def body_line(self):
        return self.line + self.directive_lines if self.line else 0

    @property
    def nbgrader(self):
        return self.metadata.get("nbgrader", {})


def read_cells(path):
    """Parse a module source with jupytext and return its cells, in order."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(path, 0, f"cannot read the module source: {error}") from None
    try:
        raw_cells = _parse_percent(text)
    except Exception as error:  # jupytext raises many types; all mean "not a valid percent file"
        raise SourceError(path, 0, f"jupytext cannot parse this percent-format file: {error}") from None
    lines = text.split("\n")
    starts = _cell_start_lines(lines, raw_cells)
    return [
        _make_cell(path, raw, line)
        for raw, line in zip(raw_cells, starts)
    ]


@functools.lru_cache(maxsize=32)
def _parse_percent(text):
    """jupytext's cells of a percent-format text, remembered by the text itself.

    One `tito grade` reads every module more than once (to export it, to scan it, to plan its
    graded cells) and jupytext takes ~70 ms a module: the text is the key, so an edited file
    is always parsed afresh. Callers get their own copy of each cell's metadata (_make_cell).
    """
    return tuple(jupytext.reads(text, fmt="py:percent").cells)


def _cell_start_lines(lines, cells):
    """Line numbers where each cell's source begins, found from the `# %%` markers.

    jupytext gives the cells but not their positions; each cell begins after its marker.
    If the markers and cells do not pair up one to one, positions are reported as unknown (0).
    """
    markers = [number for number, line in enumerate(lines, start=1) if line.startswith("# %%")]
    if len(markers) != len(cells):
        return [0] * len(cells)
    starts = []
    for marker, cell in zip(markers, cells):
        first = cell.source.split("\n", 1)[0]
        line = marker + 1
        # jupytext drops blank lines between the marker and the first source line.
        while line <= len(lines) and lines[line - 1] != first and not lines[line - 1].strip():
            line += 1
        starts.append(line)
    return starts


def _make_cell(path, raw, line):
    source_lines = raw.source.split("\n")
    directives, count = {}, 0
    if raw.cell_type == "code":
        for text in source_lines:
            if not text.startswith(DIRECTIVE_PREFIX):
                break
            name, _, value = text[len(DIRECTIVE_PREFIX):].strip().partition(" ")
            if name not in KNOWN_DIRECTIVES:
                raise SourceError(
                    path, line + count if line else 0,
                    f"unknown directive {text.strip()!r} (known: {', '.join('#| ' + d for d in KNOWN_DIRECTIVES)})",
                )
            directives[name] = value.strip()
            count += 1
    return Cell(raw.cell_type, raw.source, copy.deepcopy(dict(raw.metadata)), line, directives, count)


BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
# nbgrader treats any line that contains these words as a marker, whatever else is on it.
BEGIN_WORDS, END_WORDS = "BEGIN SOLUTION", "END SOLUTION"


def marker_kind(line):
    """Return "begin" or "end" if nbgrader would take `line` for a solution marker, else None."""
    if BEGIN_WORDS in line:
        return "begin"
    if END_WORDS in line:
        return "end"
    return None


def check_nbgrader_cells(path, cells):
    """Refuse nbgrader metadata that would make a release lose code or grade wrongly.

    - BEGIN/END SOLUTION markers come in pairs, not nested (`require_solution_regions` asks,
      before a release, that every solution cell has some);
    - a marker stands alone on its line, and only in a solution code cell: nbgrader reads
      any line containing the words as a marker, even in prose, and refuses the notebook;
    - the cell with `#| default_exp` must not be a solution cell, for the same reason;
    - a graded cell needs a grade_id and non-negative points; grade_ids are unique;
    - the metadata after `# %%` is valid JSON, and nbgrader's is an object.
    """
    seen = {}
    for cell in cells:
        if "incorrectly_encoded_metadata" in cell.metadata:
            raise SourceError(path, cell.line, "the metadata after `# %%` is not valid JSON: "
                              f"{cell.metadata['incorrectly_encoded_metadata']}")
        if not isinstance(cell.metadata.get("nbgrader", {}), dict):
            raise SourceError(path, cell.line, "the cell's nbgrader metadata is not a JSON object")
        meta = cell.nbgrader
        if meta.get("solution") and "default_exp" in cell.directives:
            raise SourceError(path, cell.line, "the `#| default_exp` cell must not be a solution cell")
        _check_markers(path, cell)
        if not meta:
            continue
        grade_id = meta.get("grade_id")
        if grade_id in seen:
            raise SourceError(path, cell.line, f"grade_id {grade_id!r} is used twice (first at line {seen[grade_id]})")
        if grade_id:
            seen[grade_id] = cell.line
        if meta.get("grade"):
            points = meta.get("points")
            if not grade_id or isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
                raise SourceError(path, cell.line, "a graded cell needs a grade_id and non-negative points")


def _check_markers(path, cell):
    is_solution = cell.kind == "code" and bool(cell.nbgrader.get("solution"))
    kinds = []
    for offset, line in enumerate(cell.source.split("\n")):
        kind = marker_kind(line)
        if kind is None:
            continue
        where = cell.line + offset if cell.line else 0
        if not is_solution:
            raise SourceError(
                path, where,
                f"{line.strip()!r} names a solution marker outside a solution code cell; nbgrader would "
                "take it for one and refuse the notebook (reword it, or mark the cell \"solution\": true)",
            )
        expected = BEGIN_SOLUTION if kind == "begin" else END_SOLUTION
        if line.strip() != expected:
            raise SourceError(path, where, f"a solution marker stands alone on its line as `{expected}`, got {line.strip()!r}")
        kinds.append(kind)
    if kinds != ["begin", "end"] * (len(kinds) // 2):
        raise SourceError(
            path, cell.line,
            f"solution cell {cell.nbgrader.get('grade_id')!r} needs matching, unnested `{BEGIN_SOLUTION}` / "
            f"`{END_SOLUTION}` markers (found {kinds.count('begin')} and {kinds.count('end')})",
        )


def require_solution_regions(path, cells):
    """Before stubbing a reference source: every solution cell holds at least one marked region.

    (A learner's source has stubs where the regions were, so this is not asked of it.)
    Without markers nbgrader replaces the whole cell, directives and imports included.
    """
    for cell in cells:
        if cell.nbgrader.get("solution") and not any(marker_kind(line) for line in cell.source.split("\n")):
            raise SourceError(
                path, cell.line,
                f"solution cell {cell.nbgrader.get('grade_id')!r} needs matching `{BEGIN_SOLUTION}` / "
                f"`{END_SOLUTION}` markers around the code to hide (found none)",
            )
