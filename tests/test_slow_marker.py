"""The quick check skips the tests marked slow, and says so; CI's TINYTORCH_RUN_SLOW=1 and `-m slow` run them."""

import subprocess
import sys

import pytest

from conftest import REPO, child_env

SLOW_TEST = "tests/test_milestones.py::test_mlp_on_fashion_mnist_reaches_88_percent"
REASON = "slow: a long end-to-end run that CI runs; TINYTORCH_RUN_SLOW=1 runs it here too"


@pytest.mark.parametrize("env, args, skipped", [
    ({}, [], True),
    ({"TINYTORCH_RUN_SLOW": "1"}, [], False),
    ({}, ["-m", "slow"], False),
])
def test_slow_tests_are_skipped_with_their_reason_unless_asked_for(env, args, skipped):
    # --setup-only decides skips as a real run does, without running the (long) test itself.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--setup-only", "-rs", SLOW_TEST, *args],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=child_env({"TINYTORCH_RUN_SLOW": None, **env}))
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("1 skipped" in result.stdout and REASON in result.stdout) == skipped, result.stdout
    assert ("skipped" not in result.stdout) == (not skipped), result.stdout
