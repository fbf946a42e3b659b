"""The student version of a module source: each solution region replaced by nbgrader's stub.

nbgrader's ClearSolutions replaces every line from a `BEGIN SOLUTION` marker to its
`END SOLUTION` marker, both included, with `# YOUR CODE HERE` and `raise NotImplementedError()`
indented like the opening marker. tito does the same to the `.py` source itself, so that the
released file is still the learner's one source of truth and its notebook is what nbgrader
would have made (tests/test_tito_nbgrader.py checks this against nbgrader itself).
"""

import re

from tito.hints import check_hints
from tito.sources import SourceError, check_nbgrader_cells, marker_kind, read_cells, require_solution_regions

STUB_LINES = ("# YOUR CODE HERE", "raise NotImplementedError()")


def clear_solution_regions(source):
    """Return (the source with each solution region stubbed, the list of each region's inner lines)."""
    kept, regions, inside = [], [], None
    for line in source.split("\n"):
        kind = marker_kind(line)
        if kind == "begin":
            indent = re.match(r"\s*", line).group(0)
            kept.extend(indent + stub for stub in STUB_LINES)
            inside = []
        elif kind == "end":
            regions.append(inside)
            inside = None
        elif inside is not None:
            inside.append(line)
        else:
            kept.append(line)
    return "\n".join(kept), regions


def student_text(path):
    """The text of the module source at `path` with every solution region stubbed.

    Returns (text, regions) where regions lists each solution region's inner lines, in
    file order. Raises SourceError if the source fails the nbgrader or hint lint.
    """
    text = path.read_text(encoding="utf-8")
    cells = read_cells(path)
    check_nbgrader_cells(path, cells)
    check_hints(path, cells)
    require_solution_regions(path, cells)
    lines = text.split("\n")
    replacements, regions = [], []
    for cell in cells:
        if cell.kind != "code" or not cell.nbgrader.get("solution"):
            continue
        cell_lines = cell.source.split("\n")
        start = cell.line - 1
        if cell.line == 0 or lines[start:start + len(cell_lines)] != cell_lines:
            raise SourceError(path, cell.line, "cannot find this solution cell's lines in the file to stub them")
        cleared, cell_regions = clear_solution_regions(cell.source)
        replacements.append((start, len(cell_lines), cleared.split("\n")))
        regions.extend(cell_regions)
    for start, count, new_lines in reversed(replacements):  # back to front, so earlier offsets hold
        lines[start:start + count] = new_lines
    return "\n".join(lines), regions
