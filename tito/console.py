"""Console output that any terminal can show: rich when it can, plain ASCII when it must."""

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


def _can_encode(stream, text):
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def make_console(stream=None):
    """A rich Console on `stream` that never crashes on characters the stream cannot encode."""
    stream = stream or sys.stdout
    if hasattr(stream, "reconfigure"):
        # Learner output may hold emoji; replace what the console cannot print instead of crashing.
        stream.reconfigure(errors="replace")
    return Console(file=stream, highlight=False, soft_wrap=True, emoji=False)


def status_mark(status, stream=None):
    """A short mark for a test status; with a unicode console a tick or cross, else plain words."""
    fancy = _can_encode(stream or sys.stdout, "\u2713\u2717")
    marks = {"passed": "\u2713 passed" if fancy else "ok", "failed": "\u2717 failed" if fancy else "FAILED"}
    text = marks.get(status, status.upper())
    colour = "green" if status == "passed" else "red"
    return f"[{colour}]{text}[/{colour}]"


def make_progress(console):
    """A progress bar for long steps; rich draws it with plain ASCII on consoles that need it."""
    return Progress(
        SpinnerColumn("line"), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    )
