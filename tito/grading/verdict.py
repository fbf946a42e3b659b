"""The grader's verdict on one graded cell, from what its process sent and how it ended.

Only protocol lines that start with this run's nonce count (cell_runner.py writes them from
its guard): TAMPER (what and where), one RESULT per test in order, then END. Everything else
is judged against the learner: a report of tampering, a line without the nonce, a result
missing, repeated or out of order, anything after END, or a process that ended by itself
before END all score 0 and are flagged "needs-review", with the reasons.
"""

import hmac
import signal
from dataclasses import dataclass, field


@dataclass
class Verdict:
    status: str  # passed, failed, error, timeout or needs-review
    message: str = None
    raised_at: str = None  # "file:line" where the first failing test's exception was raised
    reviews: list = field(default_factory=list)  # why the cell needs a human's review


def read_verdict(run, tests, timeout):
    """The Verdict on a cell whose test functions are `tests`, from a sandbox.CellRun."""
    reviews, results, ended = [], [], False
    lines = run.channel.split(b"\n")
    if lines[-1]:
        reviews.append(f"the test process left an unfinished protocol line: {_excerpt(lines[-1])}")
    for line in lines[:-1]:
        kind, fields = _parse(run.nonce, line)
        if kind is None:
            reviews.append(f"the test process sent a line the grader's runner did not write: {_excerpt(line)}")
        elif ended:
            reviews.append(f"a {kind} line arrived after the verdict was complete")
        elif kind == "TAMPER" and len(fields) == 2:
            what, where = fields
            reviews.append(f"{what}" + (f" (at {where})" if where else ""))
        elif kind == "RESULT" and len(fields) == 4 and fields[0] == str(len(results)):
            results.append(fields[1:])
        elif kind == "END" and fields == [str(len(tests))] and len(results) == len(tests):
            ended = True
        else:
            reviews.append(f"an out-of-order or malformed {kind} line")
    if run.channel_exceeded:
        reviews.append("the test process sent more protocol than any honest run does")
    if reviews:
        return Verdict("needs-review", "scored 0 until reviewed: " + "; ".join(dict.fromkeys(reviews)), reviews=reviews)
    if not ended:
        return _unfinished(run, timeout)
    for status, message, raised_at in results:
        if status != "passed":
            return Verdict(status if status in ("failed", "error") else "error", message, raised_at or None)
    return Verdict("passed")


def _parse(nonce, line):
    """(kind, fields) of a line signed with `nonce`, or (None, None)."""
    parts = line.split(b" ")
    if len(parts) < 2 or not hmac.compare_digest(parts[0], nonce):
        return None, None
    try:
        return parts[1].decode("ascii"), [bytes.fromhex(part.decode("ascii")).decode("utf-8", "replace")
                                          for part in parts[2:]]
    except (UnicodeDecodeError, ValueError):
        return None, None


def _unfinished(run, timeout):
    """The verdict on a process that ended, or was stopped, before its verdict was complete.

    Only the grader's own caps explain that honestly (time, CPU time, output); any other end
    (an exit, a signal, a crash) is for a human to look at.
    """
    if run.timed_out:
        return Verdict("timeout", f"did not finish within {timeout:g} seconds and was stopped")
    if run.output_exceeded:
        return Verdict("error", "printed more output than the grader reads (several MiB) and was stopped")
    number = _signal_number(run.returncode)
    if number == signal.SIGXCPU:
        return Verdict("timeout", f"used up its CPU time ({timeout:g} s) and was stopped")
    how = f"was killed by {signal.Signals(number).name}" if number else f"ended (exit code {run.returncode})"
    tail = "\n".join(run.output.strip().splitlines()[-10:])
    return Verdict("needs-review", f"scored 0 until reviewed: the test process {how} before the grader's verdict; "
                   f"graded code must not end or kill the process\n{tail}",
                   reviews=[f"the test process {how} before the verdict"])


def _signal_number(returncode):
    """The signal that ended the process: Popen says -N; bwrap exits with 128 + N for its child."""
    if returncode is None:
        return None
    number = -returncode if returncode < 0 else returncode - 128
    return number if number in set(signal.Signals) else None


def _excerpt(data, size=80):
    return repr(data[:size].decode("utf-8", "replace")) + ("..." if len(data) > size else "")
