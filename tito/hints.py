"""The hint lint: the prose of a module source never spells out a line of its solutions.

A TODO / APPROACH docstring, a comment or a markdown cell describes the steps; a line copied
there from a solution region hands the learner the answer, and the release's leak check
cannot see it, because hints ship. So `tito module export` and `tito release` refuse a
source whose prose, outside the solution regions, contains a solution line of
`MIN_LEAK_LENGTH` characters or more (shorter lines, `return out`, say nothing).

Only prose is searched: an exported helper may share a line of code with a solution
(`other = self._operand(other)`) without giving anything away, since both are in plain view.
"""

import io
import tokenize

from tito.sources import SourceError, marker_kind

MIN_LEAK_LENGTH = 25
# String pieces a tokenizer yields: STRING, and inside f-strings on Python 3.12+ FSTRING_MIDDLE.
_PROSE_TOKENS = {tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def check_hints(path, cells):
    """Raise SourceError at the first prose line that holds a solution line."""
    solutions = {}  # stripped solution line -> its line in the file
    regions = []  # per cell: the offsets of its lines inside a solution region, markers included
    for cell in cells:
        inside, offsets = False, set()
        for offset, line in enumerate(cell.source.split("\n")):
            kind = marker_kind(line)
            if kind or inside:
                offsets.add(offset)
            if kind:
                inside = kind == "begin"
            elif inside and len(line.strip()) >= MIN_LEAK_LENGTH:
                solutions.setdefault(line.strip(), _line(cell, offset))
        regions.append(offsets)
    if not solutions:
        return  # a learner's source: its solution regions are stubs
    for cell, hidden in zip(cells, regions):
        for offset, text in _prose(cell):
            if offset in hidden:
                continue
            for solution, where in solutions.items():
                if solution in text:
                    raise SourceError(
                        path, _line(cell, offset),
                        f"this hint gives away a solution line: {solution!r} (solution line {where}); "
                        "describe the step in words instead",
                    )


def _prose(cell):
    """(offset in the cell, text) of each line of prose: a markdown cell's lines, and the
    comments and string literals of a code cell (all its lines if it does not tokenize)."""
    lines = cell.source.split("\n")
    if cell.kind != "code":
        yield from enumerate(lines)
        return
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(cell.source).readline))
    except (tokenize.TokenError, SyntaxError):
        yield from enumerate(lines)  # e.g. an unfinished cell: search all of it rather than none
        return
    for token in tokens:
        if token.type in _PROSE_TOKENS:
            for extra, text in enumerate(token.string.split("\n")):
                yield token.start[0] - 1 + extra, text


def _line(cell, offset):
    return cell.line + offset if cell.line else 0
