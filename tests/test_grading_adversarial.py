"""Adversarial submissions: a learner's code or workspace trying to earn points it did not earn.

Every submission starts from the same honest work: the reference sources, except that Module
03's Dropout scales its survivors by p instead of 1/(1-p). Graded honestly, Module 03 earns
the points of test-linear and test-module-sequential and loses test-dropout and
module-integration. Each submission adds one attack to that work and is graded, sandboxed,
with the instructor's record (unless it says otherwise); it must earn no more than the
honest work did, the grader must finish and write its gradebook, and where the attack can
be seen, the cells it touched must be flagged as the submission says.

The attacks go in at two places of Module 03: EARLY, the learner's imports cell, runs before
every graded cell; LATE, the Sequential cell after the Dropout test, runs before the last two.
In their code, {repo}, {marker} (a number unique to the test, for finding its processes) and
{gradebook} stand for those values.
"""

import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field

import pytest

from conftest import LAYERS_IMPORTS, REPO, SPAWN, copy_reference_sources, live_processes, run_tito

LAYERS = "modules/03_layers/layers_dev.py"
EARLY = LAYERS_IMPORTS
LATE = '# %% nbgrader={"grade": false, "grade_id": "sequential", "solution": false}\n#| export\n'
HONEST = {"test-linear": "passed", "test-dropout": "failed", "test-module-sequential": "passed",
          "module-integration": "failed"}
REVIEW_ALL = dict.fromkeys(HONEST, "needs-review")
REVIEW_LATE = {"test-module-sequential": "needs-review", "module-integration": "needs-review"}
# Makes Dropout right (scaling by 1/(1-p)): what a submission does once it has found a way in.
FIX_DROPOUT = (
    "_wrong = Dropout.forward\n"
    "def _right(self, x, training=None):\n"
    "    out = _wrong(self, x, training)\n"
    "    if self.p not in (0.0, 1.0) and out is not x:\n"
    "        out.data = (out.data / self.p * (1 / (1 - self.p))).astype(out.data.dtype)\n"
    "    return out\n"
    "Dropout.forward = _right\n"
)


@dataclass(frozen=True)
class Submission:
    id: str
    why: str  # what the learner tries
    early: str = ""  # code added to the imports cell
    late: str = ""  # code added to the Sequential cell
    files: dict = field(default_factory=dict)  # workspace-relative path -> text (None deletes it)
    record: str = None  # how the workspace's own .tito/release.json is edited (see _edit_record)
    expect: dict = field(default_factory=dict)  # grade_id -> status, beyond "no more than honest"
    flag: str = None  # what the static scan must name, at its line of Module 03, in each reviewed test


def _patch_and_restore(id, why, setup, patch, flag):
    """A submission whose Dropout runs `patch` (`{value}`: the new allclose) just before the test checks the
    scaling of its 20,000 inputs; the cheat puts the genuine allclose back on its first call, so the guard's
    checks between tests find nothing."""
    return Submission(id, why + "; the patch undoes itself", expect=REVIEW_LATE, flag=flag, late=(
        setup + "_allclose = np.allclose\n_plain = Dropout.forward\n"
        f"def _cheat(*a, **k):\n    {patch.format(value='_allclose')}\n    return True\n"
        f"def _patching(self, x, training=None):\n    if x.data.size == 20_000:\n        {patch.format(value='_cheat')}\n"
        "    return _plain(self, x, training)\nDropout.forward = _patching\n"))


def _cell(text, grade_id):
    start = text.rindex("# %%", 0, text.index(f'"grade_id": "{grade_id}"'))
    return text[start:text.index("\n# %%", start) + 1]


SUBMISSIONS = [
    # --- the release record and the graded cells -------------------------------------------
    Submission("edited-record-and-cell", "makes test-dropout pass without looking, in the .py and in the workspace's record",
               record="rewrite-dropout-test", expect={"test-dropout": "tampered"}),
    Submission("deleted-record", "deletes the workspace's record and rewrites test-dropout",
               record="delete-and-rewrite", expect={"test-dropout": "tampered"}),
    Submission("inflated-points", "gives test-linear 1000 points in the .py and in the workspace's record",
               record="inflate-points", expect={"test-linear": "tampered"}),
    Submission("dropped-test", "removes test-dropout from the .py and from the workspace's record",
               record="drop-dropout-test", expect={"test-dropout": "tampered"}),
    Submission("record-source-only", "changes only the source of test-dropout in the workspace's record (the hash stays)",
               record="change-source-only"),
    # --- patching what the tests rely on ------------------------------------------------------
    Submission("patch-numpy", "replaces np.all and np.array_equal with functions that always agree",
               early="np.all = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n", expect=REVIEW_ALL),
    Submission("patch-builtins", "replaces AssertionError so that failed asserts slip past the runner's except",
               early="import builtins\nbuiltins.AssertionError = type('AssertionError', (Exception,), {})\n",
               expect=REVIEW_ALL),
    Submission("patch-json", "replaces json.dumps, which wrote the old runner's result file",
               early="import json\njson.dumps = lambda *a, **k: '{\"status\": \"passed\", \"message\": null}'\n",
               expect=REVIEW_ALL),
    Submission("patch-stdlib-class", "patches a method of a standard library class",
               early="import json\njson.JSONEncoder.encode = lambda self, o: 'passed'\n", expect=REVIEW_ALL),
    Submission("patch-the-runner", "patches the runner's own module, which is __main__ in the test process",
               early="import sys\nsys.modules['__main__']._describe = lambda *a, **k: 'passed'\n", expect=REVIEW_ALL),
    Submission("fake-np-name", "binds np to a wrapper whose comparisons always agree",
               early="import numpy\nclass _Agreeable:\n    def __getattr__(self, name):\n        return getattr(numpy, name)\n"
                     "    all = staticmethod(lambda *a, **k: True)\n    array_equal = staticmethod(lambda *a, **k: True)\n"
                     "np = _Agreeable()\n", expect=REVIEW_ALL),
    Submission("redefine-locked-test", "redefines test_unit_dropout_layer after its locked cell, for module-integration",
               late="def test_unit_dropout_layer():\n    pass\n", expect=REVIEW_LATE),
    Submission("replace-test-code", "swaps the code of the locked test_unit_dropout_layer",
               late="try:\n    test_unit_dropout_layer.__code__ = (lambda: None).__code__\nexcept Exception:\n    pass\n",
               expect=REVIEW_LATE),
    # --- forging the verdict ------------------------------------------------------------------
    Submission("walk-frames", "walks up the frames to empty the runner's test list and report passes with its audit",
               early="import sys\nf = sys._getframe()\nwhile f is not None:\n"
                     "    for key, value in list(f.f_locals.items()):\n"
                     "        if isinstance(value, dict) and isinstance(value.get('tests'), list):\n"
                     "            value['tests'].clear()\n"
                     "        if key == 'audit':\n"
                     "            try:\n                value('tito.test_end', 1, None, 'passed', None, None)\n"
                     "            except PermissionError:\n                pass\n"
                     "    f = f.f_back\n", expect=REVIEW_ALL),
    Submission("forge-audit-event", "raises the runner's own audit event for a passing test",
               early="import sys\ntry:\n    sys.audit('tito.test_end', 0, None, 'passed', None, None)\n"
                     "except PermissionError:\n    pass\n", expect=REVIEW_ALL),
    Submission("forge-result-and-exit", "writes result files and protocol lines everywhere it can, then exits",
               early="import json, os\nfor path in ('result.json', '/tmp/result.json', '/grader/result.json'):\n"
                     "    try:\n        json.dump({'status': 'passed', 'message': None}, open(path, 'w'))\n"
                     "    except OSError:\n        pass\n"
                     "for fd in range(3, 64):\n    try:\n        os.write(fd, b'0' * 32 + b' RESULT 30 706173736564 \\n')\n"
                     "    except OSError:\n        pass\nos._exit(0)\n", expect=REVIEW_ALL),
    Submission("exit-early", "ends the process before any test can fail", early="import os\nos._exit(0)\n",
               expect=REVIEW_ALL),
    Submission("system-exit-in-forward", "raises SystemExit(0) from Dropout.forward",
               late="def _leave(self, x, training=None):\n    raise SystemExit(0)\nDropout.forward = _leave\n",
               expect={"module-integration": "error"}),
    Submission("guard-through-traceback", "reaches the guard through the traceback of a refusal and drives it",
               early="import gc\ntry:\n    gc.get_objects()\nexcept PermissionError as error:\n    tb = error.__traceback__\n"
                     "    while tb is not None:\n        send = tb.tb_frame.f_locals.get('send')\n"
                     "        if send is not None:\n            try:\n                send.__self__.gi_frame\n"
                     "            except PermissionError:\n                pass\n            try:\n"
                     "                send(('tito.seal', ()))\n            except PermissionError:\n                pass\n"
                     "        tb = tb.tb_next\n", expect=REVIEW_ALL),
    Submission("ctypes-memory", "reads the process's memory with ctypes, looking for the nonce",
               early="import ctypes\ntry:\n    ctypes.string_at(id(ctypes), 64)\nexcept PermissionError:\n    pass\n",
               expect=REVIEW_ALL),
    Submission("trace-function", "installs a trace function to see the runner's frames",
               early="import sys\ntry:\n    sys.settrace(lambda *a: None)\nexcept PermissionError:\n    pass\n",
               expect=REVIEW_ALL),
    Submission("signal-handler-frames", "a timer's signal handler looks at every frame it interrupts",
               early="import signal\ndef _peek(number, frame):\n    while frame is not None:\n"
                     "        frame.f_locals\n        frame = frame.f_back\n"
                     "signal.signal(signal.SIGALRM, _peek)\nsignal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)\n",
               expect=REVIEW_ALL),
    Submission("close-every-descriptor", "closes every file descriptor, the grader's channel among them",
               early="import os\nfor fd in range(3, 256):\n    try:\n        os.close(fd)\n    except OSError:\n        pass\n",
               expect=REVIEW_ALL),
    # --- reaching out of the process -----------------------------------------------------------
    Submission("read-reference-solutions", "looks for the reference solutions beside the runner and in the grader's "
               "installation, and fixes Dropout if it finds them",
               early="import os, sys\nplaces = [os.path.join(os.path.dirname(sys.argv[0]), '..', 'modules'), "
                     "'{repo}/modules/03_layers/layers_dev.py', '{repo}/tito']\n"
                     "try:\n    import tito\n    places.append(tito.__file__)\nexcept ImportError:\n    pass\n"
                     "FOUND = [p for p in places if p and os.path.exists(p)]\n",
               late="if globals().get('FOUND'):\n" + "".join("    " + line + "\n" for line in FIX_DROPOUT.splitlines())),
    Submission("read-grader-environment", "reads the grader's environment, and fixes Dropout if a secret of the grader's "
               "is there", late="import os\nif 'TITO_GRADER_SECRET' in os.environ:\n"
                                + "".join("    " + line + "\n" for line in FIX_DROPOUT.splitlines())),
    Submission("files-in-workspace-root", "puts sitecustomize.py, usercustomize.py and json.py in the workspace root",
               files={name: "import os\nos._exit(0)\n" for name in ("sitecustomize.py", "usercustomize.py", "json.py")}),
    Submission("daemon-writes-gradebook", "leaves a daemon that overwrites the gradebook after tito grade returns",
               early=SPAWN + "subprocess.Popen(['/bin/sh', '-c', 'sleep 5; echo forged > {gradebook}', '{marker}'],\n"
                             "                 start_new_session=True)\n", expect=REVIEW_ALL),
    Submission("kill-the-grader", "kills its parent, the sandbox's first process and every process it can",
               early="import os, signal\nfor pid in (os.getppid(), 1, -1):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
                     "    except (PermissionError, OSError):\n        pass\n"
                     + SPAWN + "subprocess.run(['/bin/sh', '-c', 'kill -9 -1'])\n", expect=REVIEW_ALL),
    Submission("grandchild-holds-pipes", "leaves a process that holds the inherited pipes open",
               early=SPAWN + "subprocess.Popen(['/bin/sleep', '{marker}'], close_fds=False)\n", expect=REVIEW_ALL),
    Submission("fork-bomb", "forks without end, by os.fork and through a shell",
               early="import os\ntry:\n    os.fork()\nexcept PermissionError:\n    pass\n"
                     + SPAWN + "subprocess.run(['/bin/sh', '-c', 'b() { b | b & }; b'], timeout=2)\n",
               expect=REVIEW_ALL),
    Submission("allocate-2-gib", "allocates 2 GiB", early="block = bytearray(2 * 2**30)\n",
               expect=dict.fromkeys(HONEST, "error")),
    Submission("print-1-gib", "prints 1 GiB", early="import sys\nfor _ in range(1024):\n    sys.stdout.write('x' * 2**20)\n",
               expect=dict.fromkeys(HONEST, "error")),
    Submission("network", "opens a connection", early="import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), 2)\n"
               "except OSError:\n    pass\n", expect=REVIEW_ALL),
    # --- lies told in-process, which only the static scan sees (tito/grading/scan.py) -------------
    Submission("lying-array", "Dropout returns data whose == always says yes",
               late="import numpy\nclass _Yes(numpy.ndarray):\n    def __eq__(self, other):\n"
                    "        return numpy.ones(self.shape, bool)\n    __ne__ = lambda self, other: numpy.asarray(self) != other\n"
                    "_plain = Dropout.forward\ndef _lying(self, x, training=None):\n    out = _plain(self, x, training)\n"
                    "    out.data = out.data.view(_Yes)\n    return out\nDropout.forward = _lying\n",
               flag='subclasses numpy.ndarray', expect=REVIEW_LATE),
    Submission("lying-float", "Dropout returns an array of floats whose == and arithmetic always agree",
               late="class _Agreeable(float):\n    __eq__ = lambda self, other: True\n    __ne__ = lambda self, other: False\n"
                    "    __sub__ = __rsub__ = lambda self, other: 0.0\n    __hash__ = float.__hash__\n"
                    "_plain = Dropout.forward\ndef _lying(self, x, training=None):\n    out = _plain(self, x, training)\n"
                    "    out.data = np.array([_Agreeable(v) for v in out.data.ravel()], dtype=object).reshape(out.data.shape)\n"
                    "    return out\nDropout.forward = _lying\n",
               flag='subclasses the value type float', expect=REVIEW_LATE),
    _patch_and_restore("patch-and-restore", "patches np.allclose just before the test checks the scaling",
                       "import numpy\n", "numpy.allclose = {value}", 'assigns or deletes numpy.allclose'),
    _patch_and_restore("aliased-module-patch", "the same through another name for numpy", "_m = np\n",
                       "_m.allclose = {value}", "hands the module numpy on as a value"),
    _patch_and_restore("setattr-computed-name", "the same by setattr with a name built at run time", "",
                       "setattr(np, 'all' + 'close', {value})", 'uses setattr'),
    _patch_and_restore("vars-module-patch", "the same through the module's namespace from vars()", "",
                       "vars(np)['allclose'] = {value}", 'uses vars()'),
    _patch_and_restore("module-dict-patch", "the same through the module's __dict__", "",
                       "np.__dict__['allclose'] = {value}", 'uses the __dict__'),
    _patch_and_restore("builtins-getattr-patch", "the same with a setattr fetched from __builtins__ by a built name",
                       "_set = getattr(__builtins__, 'set' + 'attr', None) or __builtins__['set' + 'attr']\n",
                       "_set(np, 'allclose', {value})", 'uses __builtins__'),
    Submission("shadow-builtin", "defines abs at the top level, which every later cell's tests then call",
               early="def abs(value):\n    return 0.0\n", flag="binds the builtin name 'abs'", expect=REVIEW_ALL),
]


@pytest.fixture(scope="session")
def honest_work(pristine_release, tmp_path_factory):
    """The reference sources with Module 03's Dropout scaling survivors by p."""
    work = tmp_path_factory.mktemp("honest") / "W"
    shutil.copytree(pristine_release, work)
    copy_reference_sources(work)
    source = work / LAYERS
    text = source.read_text()
    assert text.count("dtype.type(1.0 / keep)") == 1 and text.count(EARLY) == 1 and text.count(LATE) == 1
    source.write_text(text.replace("dtype.type(1.0 / keep)", "dtype.type(self.p)"))
    return work


def grade(work, record, *extra, env=None):
    gradebook = work.parent / "gradebook.json"
    result = run_tito("grade", work, "--module", "03", "--json", gradebook, *(["--release", record] if record else []),
                      *extra, cwd=work.parent, env=env)
    return result, gradebook


@pytest.mark.slow
def test_the_honest_work_earns_exactly_what_it_should(honest_work, instructor_record):
    result, gradebook = grade(honest_work, instructor_record)
    assert result.returncode == 0, result.stdout
    layers = json.loads(gradebook.read_text())["modules"]["03_layers"]
    assert {grade_id: test["status"] for grade_id, test in layers["tests"].items()} == HONEST


def honest_points(record):
    cells = json.loads(record.read_text())["modules"]["03_layers"]["locked_cells"]
    return sum(cell["points"] for cell in cells if cell["grade"] and HONEST[cell["grade_id"]] == "passed")


@pytest.mark.slow  # one sandboxed grading per submission: about four minutes in all
@pytest.mark.parametrize("submission", [pytest.param(s, id=s.id) for s in SUBMISSIONS])
def test_a_submission_earns_nothing_it_did_not_earn(submission, honest_work, instructor_record, tmp_path):
    work = tmp_path / "W"
    shutil.copytree(honest_work, work)
    marker = str(10**9 + abs(hash(str(tmp_path))) % 10**9)
    gradebook = tmp_path / "gradebook.json"
    fill = {"{repo}": str(REPO), "{marker}": marker, "{gradebook}": str(gradebook)}
    source = work / LAYERS
    text = source.read_text()
    text = text.replace(EARLY, EARLY + _filled(submission.early, fill)).replace(LATE, LATE + _filled(submission.late, fill))
    source.write_text(text)
    for path, content in submission.files.items():
        (work / path).write_text(content)
    if submission.record:
        _edit_record(work, submission.record)

    result, _ = grade(work, instructor_record, env={"TITO_GRADER_SECRET": "the grader's own"})

    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    layers = json.loads(gradebook.read_text())["modules"]["03_layers"]
    statuses = {grade_id: test["status"] for grade_id, test in layers["tests"].items()}
    assert set(statuses) == set(HONEST), "the instructor's record says which tests there are"
    assert layers["earned"] <= honest_points(instructor_record), statuses
    assert statuses["test-dropout"] != "passed" and statuses["module-integration"] != "passed", statuses
    assert {grade_id: statuses[grade_id] for grade_id in submission.expect} == submission.expect
    for test in layers["tests"].values():
        if test["status"] == "needs-review":
            assert test["needs_review"] is True and test["message"].startswith("scored 0 until reviewed")
    for grade_id, status in submission.expect.items():
        if submission.flag and status == "needs-review":
            message = layers["tests"][grade_id]["message"]
            assert re.search(rf"modules/03_layers/layers_dev\.py:\d+: {re.escape(submission.flag)}", message), message
    assert live_processes(marker) == [], "no process of the submission outlives tito grade"


def test_a_record_whose_locked_source_does_not_match_its_hash_stops_unverified_grading(honest_work, tmp_path):
    work = tmp_path / "W"
    shutil.copytree(honest_work, work)
    _edit_record(work, "change-source-only")
    result, gradebook = grade(work, None)
    assert result.returncode == 2 and "does not match its sha256" in result.stdout, result.stdout
    assert not gradebook.exists()


def test_the_workspace_record_cannot_stand_in_for_the_instructors(honest_work):
    result, _ = grade(honest_work, honest_work / ".tito" / "release.json")
    assert result.returncode == 2 and "inside the workspace being graded" in result.stdout


def _edit_record(work, how):
    """Edit the module source and the workspace's own record together, as a learner covering their tracks would."""
    path = work / ".tito" / "release.json"
    record = json.loads(path.read_text())
    cells = {cell["grade_id"]: cell for cell in record["modules"]["03_layers"]["locked_cells"]}
    source = work / LAYERS
    text = source.read_text()
    dropout = _cell(text, "test-dropout")
    if how in ("rewrite-dropout-test", "delete-and-rewrite"):
        fake = dropout.split("\n", 1)[0] + "\ndef test_unit_dropout_layer():\n    return\n"
        source.write_text(text.replace(dropout, fake))
        cells["test-dropout"]["source"] = fake.split("\n", 1)[1].rstrip("\n")
        cells["test-dropout"]["sha256"] = _sha256(cells["test-dropout"]["source"])
        if how == "delete-and-rewrite":
            shutil.rmtree(work / ".tito")
            return
    elif how == "inflate-points":
        source.write_text(text.replace('"grade_id": "test-linear", "locked": true, "points": 15',
                                       '"grade_id": "test-linear", "locked": true, "points": 1000'))
        cells["test-linear"]["points"] = 1000
    elif how == "drop-dropout-test":
        source.write_text(text.replace(dropout, ""))
        del cells["test-dropout"]
    elif how == "change-source-only":
        cells["test-dropout"]["source"] = "def test_unit_dropout_layer():\n    return"
    record["modules"]["03_layers"]["locked_cells"] = list(cells.values())
    path.write_text(json.dumps(record))


def _filled(code, fill):
    for placeholder, value in fill.items():
        code = code.replace(placeholder, value)
    return code


def _sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()

