"""Every tito command is readable, and does not crash, on a console that cannot print unicode."""

import pytest

from conftest import REPO, copy_reference_sources, run_tito
from tito.workspace import all_modules

TENSOR = "modules/01_tensor/tensor_dev.py"
COMMANDS = [
    (("module", "status"), 0, f"0 of {len(all_modules(REPO))} modules complete"),
    (("module", "list"), 0, "not started"),
    (("module", "export", "--check"), 0, "in sync"),
    (("module", "notebook", "02"), 0, "wrote modules/02_activations/activations_dev.ipynb"),
    (("module", "test", "01"), 1, "0 of 8 tests passed"),
    (("module", "complete", "01"), 1, "nothing was recorded"),
    (("module", "reset", "03"), 0, "is back as it was released"),
    (("grade",), 0, "Total: 0 of"),
    (("doctor",), 0, "Everything is ready."),
]


# Every command on ASCII; cp1252 (Windows) on a sample, as each tito process takes seconds.
CASES = [("ascii", *case) for case in COMMANDS] + [("cp1252", *case) for case in COMMANDS
                                                   if case[0] in (("module", "status"), ("module", "test", "01"), ("grade",))]
# A grade builds the sandbox and scans the whole course: CI runs those cases, the quick check does not.
PARAMS = [pytest.param(*case, marks=[pytest.mark.slow] if case[1] == ("grade",) else [],
                       id=f"{case[0]}-{' '.join(case[1])}") for case in CASES]


def check_readable(result, encoding, code, expected):
    stdout = result.stdout.encode("utf-8", errors="surrogateescape")  # run_tito decodes as utf-8
    stdout.decode(encoding)  # raises if tito wrote anything the console cannot show
    assert "Traceback" not in result.stderr, result.stderr  # tito itself did not crash
    assert result.returncode == code, result.stdout + result.stderr
    assert expected in result.stdout


@pytest.mark.parametrize("encoding, command, code, expected", PARAMS)
def test_commands_on_a_console_without_unicode(student, encoding, command, code, expected):
    result = run_tito(*command, cwd=student, env={"PYTHONIOENCODING": encoding})
    check_readable(result, encoding, code, expected)


def test_release_on_an_ascii_console(tmp_path):
    result = run_tito("release", "--out", tmp_path / "w", cwd=REPO, env={"PYTHONIOENCODING": "ascii"})
    check_readable(result, "ascii", 0, "regions stubbed")


@pytest.mark.slow  # it grades
def test_learner_output_with_emoji_is_passed_through_replaced(student):
    copy_reference_sources(student, ["01_tensor"])
    source = student / TENSOR
    text = source.read_text()
    anchor = "        self.data = _as_array(data, dtype)\n"
    assert text.count(anchor) == 1
    source.write_text(text.replace(anchor, anchor + '        raise ValueError("\\U0001F4A5 my bug")\n'))
    for command in (("module", "test", "01"), ("grade",)):
        result = run_tito(*command, cwd=student, env={"PYTHONIOENCODING": "ascii", "COLUMNS": "300"})
        assert "Traceback" not in result.stderr
        assert "ValueError: ? my bug" in result.stdout, result.stdout
