"""Name the earlier module that is still a stub, when its NotImplementedError surfaces elsewhere.

A learner testing Module 03 whose Module 01 is unfinished meets `raise NotImplementedError()`
inside `tinytorch/core/tensor.py`; the useful message is "finish Module 01 first", not the line
of their own Linear that happened to call it. A stub is recognised exactly: the two lines
nbgrader (and `tito release`) put where a solution was, in a file `tito module export` wrote,
whose header names the module source it came from.
"""

import re
import traceback
from pathlib import Path

from tito.export import GENERATED_MARK
from tito.solutions import STUB_LINES

_SOURCE = re.compile(re.escape(GENERATED_MARK) + r" modules/([0-9]{2}_[a-z0-9_]+)/")


def stub_owner(root, filename, line):
    """The slug of the module whose exported stub is at `filename`:`line`, or None if it is not a stub."""
    try:
        path = Path(filename).resolve()
        package = (Path(root) / "tinytorch").resolve()
        if package not in path.parents or not line:
            return None
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, ValueError):
        return None
    if not 2 <= line <= len(lines) or [text.strip() for text in lines[line - 2:line]] != list(STUB_LINES):
        return None
    found = _SOURCE.search(lines[0])
    return found.group(1) if found else None


def finish_first(slug, where):
    return (f"Module {slug} is not finished: the stub at {where} still raises NotImplementedError. "
            f"Finish it first (`tito module complete {slug}`).")


def unfinished_message(root, current_slug, raised_at):
    """The "finish it first" message when `raised_at` ("file:line") is another module's stub, else None."""
    filename, _, line = (raised_at or "").rpartition(":")
    owner = stub_owner(root, filename, int(line)) if line.isdigit() else None
    if owner is None or owner == current_slug:
        return None
    where = Path(filename).resolve().relative_to(Path(root).resolve()).as_posix() + f":{line}"
    return finish_first(owner, where)


def raised_at(error):
    """"file:line" of the innermost frame an exception passed through."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None


def innermost_frame(trace):
    """"file:line" of the last frame of a formatted traceback, or None."""
    frames = _FRAME.findall(trace or "")
    return f"{frames[-1][0]}:{frames[-1][1]}" if frames else None


_FRAME = re.compile(r'File "([^"]+)", line (\d+)')
