"""tinytorch.set_num_threads / get_num_threads: one BLAS thread by default, a count the environment
chose is kept, bad counts are refused, and the thread count changes results by round-off at most."""

import json
import subprocess
import sys

import numpy as np
import pytest
import threadpoolctl

import tinytorch
from conftest import NO_BLAS_THREAD_SETTING, REPO, child_env
from tinytorch import CrossEntropyLoss, Dropout, Linear, ReLU, Sequential, Tensor, threads

# Prints what tinytorch says and, separately, what threadpoolctl itself reads from each BLAS library.
PROBE = """
import json, threadpoolctl
{imports}
blas = [entry["num_threads"] for entry in threadpoolctl.threadpool_info() if entry["user_api"] == "blas"]
print(json.dumps({{"blas": blas, **{report}}}))
"""
WITH_TINYTORCH = PROBE.format(imports="import tinytorch",
                              report='{"threads": tinytorch.get_num_threads(), "chosen_by": tinytorch.threads.chosen_by()}')
NUMPY_ALONE = PROBE.format(imports="import numpy", report="{}")


def fresh_process(code, env=None):
    """Run `code` in a new interpreter whose environment sets no BLAS thread count besides `env`."""
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                            env=child_env({**NO_BLAS_THREAD_SETTING, **(env or {})}))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def blas_thread_counts():
    return {entry["num_threads"] for entry in threadpoolctl.threadpool_info() if entry["user_api"] == "blas"}


def needs_two_cores():
    if threads.usable_cores() < 2:
        pytest.skip("one usable core: BLAS libraries start with one thread here anyway, so the default is not seen")


@pytest.fixture
def restore_threads():
    before = tinytorch.get_num_threads()
    yield
    tinytorch.set_num_threads(before)


def test_import_sets_one_blas_thread():
    needs_two_cores()
    assert max(fresh_process(NUMPY_ALONE)["blas"]) > 1, "without tinytorch the BLAS already had one thread"
    found = fresh_process(WITH_TINYTORCH)
    assert found == {"blas": [1] * len(found["blas"]), "threads": 1, "chosen_by": "tinytorch's default"}
    assert found["blas"], "threadpoolctl found no BLAS library under NumPy"


@pytest.mark.parametrize("variable", ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
def test_a_count_the_environment_chose_is_kept(variable):
    needs_two_cores()
    found = fresh_process(WITH_TINYTORCH, {variable: "2"})
    assert found == {"blas": [2] * len(found["blas"]), "threads": 2, "chosen_by": f"{variable}=2 in the environment"}


def test_set_and_get_num_threads(restore_threads):
    tinytorch.set_num_threads(2)
    assert tinytorch.get_num_threads() == 2 and blas_thread_counts() == {2}
    assert threads.chosen_by() == "set_num_threads(2)"
    tinytorch.set_num_threads(np.int64(1))
    assert tinytorch.get_num_threads() == 1 and blas_thread_counts() == {1}


@pytest.mark.parametrize("bad, error, message", [
    (0, ValueError, "set_num_threads expects at least 1 thread, got 0"),
    (-2, ValueError, "set_num_threads expects at least 1 thread, got -2"),
    (1.5, TypeError, "set_num_threads expects a whole number of threads, got 1.5"),
    ("2", TypeError, "set_num_threads expects a whole number of threads, got '2'"),
    (True, TypeError, "set_num_threads expects a whole number of threads, got True"),
    (None, TypeError, "set_num_threads expects a whole number of threads, got None"),
])
def test_bad_thread_counts_are_refused_and_change_nothing(bad, error, message, restore_threads):
    tinytorch.set_num_threads(2)
    with pytest.raises(error) as raised:
        tinytorch.set_num_threads(bad)
    assert str(raised.value) == message
    assert tinytorch.get_num_threads() == 2 and blas_thread_counts() == {2}


def test_describe_blas_names_the_library_its_kernel_threads_and_the_cores(restore_threads):
    tinytorch.set_num_threads(2)
    line = threads.describe_blas()
    blas = threads.blas_info()[0]
    assert blas["threads"] == 2 and blas["kernel"] and blas["version"]
    assert line.startswith(f"{blas['library']} {blas['version']} ({blas['kernel']} kernel), 2 threads")
    assert line.endswith(f": set_num_threads(2); {threads.usable_cores()} cores usable")


def training_step(thread_count):
    """Loss and every gradient of one seeded step of the seed's 784-256-128-10 network at batch 128."""
    tinytorch.set_num_threads(thread_count)
    assert tinytorch.get_num_threads() == thread_count
    tinytorch.manual_seed(0)
    model = Sequential(Linear(784, 256), ReLU(), Dropout(0.5), Linear(256, 128), ReLU(), Dropout(0.3), Linear(128, 10))
    rng = np.random.default_rng(1)
    images, labels = rng.random((128, 784), dtype=np.float32), rng.integers(0, 10, 128)
    loss = CrossEntropyLoss()(model(Tensor(images)), Tensor(labels))
    loss.backward()
    return {"loss": loss.data, **{name: p.grad.data for name, p in model.named_parameters()}}


def test_a_training_step_depends_on_the_thread_count_by_round_off_at_most(restore_threads):
    one, again, two = training_step(1), training_step(1), training_step(2)
    for name in one:
        np.testing.assert_array_equal(again[name], one[name], err_msg=f"{name}: two runs on 1 thread differ")
        # float32 round-off, summed over up to 784 terms in another order: a few units in the 7th digit.
        np.testing.assert_allclose(two[name], one[name], rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}: 2 threads differ from 1 by more than round-off")
