"""tinytorch.memory: on glibc, `import tinytorch` makes malloc keep freed memory for reuse, so that
a step's arrays do not come back from the kernel page by page; a setting of the environment is kept."""

import json
import platform
import subprocess
import sys

import pytest

from conftest import REPO, child_env
from tinytorch.memory import MALLOC_VARIABLES

# Ten 3 MB arrays, written and freed, ten times over: the minor page faults of one round (a
# page fault is the kernel handing this process a fresh page, so the count says how much of
# the memory was new rather than reused). glibc's defaults give such a round's memory back.
PROBE = """
import json, resource
{imports}
import numpy as np

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def one_round():
    arrays = [np.ones(750_000, dtype=np.float32) for _ in range(10)]
    del arrays

one_round()
before = faults()
for _ in range(10):
    one_round()
print(json.dumps({{"faults_per_round": (faults() - before) / 10, {report}}}))
"""
NO_MALLOC_SETTING = {name: None for name in MALLOC_VARIABLES} | {"GLIBC_TUNABLES": None}


def fresh_process(with_tinytorch, env=None):
    imports, report = ("import tinytorch", '"chosen_by": tinytorch.memory._chosen_by') if with_tinytorch else ("", "")
    code = PROBE.format(imports=imports, report=report)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                            env=child_env({**NO_MALLOC_SETTING, **(env or {})}))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


needs_glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                 reason="tinytorch.memory changes glibc's malloc only; this C library is left alone")


@needs_glibc
def test_import_makes_malloc_reuse_freed_memory():
    ours = fresh_process(with_tinytorch=True)
    assert ours["chosen_by"] == "tinytorch's default"
    numpy_alone = fresh_process(with_tinytorch=False)
    assert ours["faults_per_round"] < 100, (
        f"after import tinytorch a round of ten 3 MB arrays should reuse the memory of the round before: "
        f"{ours['faults_per_round']:.0f} page faults per round (NumPy alone: {numpy_alone['faults_per_round']:.0f})")


@needs_glibc
@pytest.mark.parametrize("setting", [{"MALLOC_TRIM_THRESHOLD_": "131072"},
                                     {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"}])
def test_a_malloc_setting_in_the_environment_is_kept(setting):
    found = fresh_process(with_tinytorch=True, env=setting)
    name = next(iter(setting))
    assert found["chosen_by"].startswith(name) and found["chosen_by"].endswith("in the environment"), found
    assert found["faults_per_round"] > 1000, \
        f"with {setting} glibc's own behaviour should remain (memory given back), got {found['faults_per_round']:.0f}"
