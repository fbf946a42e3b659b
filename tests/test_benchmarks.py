"""benchmarks/: the baselines do the same math as tinytorch, and the harness reports every figure.

No timing is asserted anywhere: timings depend on the machine and its load.
"""

import importlib.util
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, require_torch

sys.path.insert(0, str(REPO / "benchmarks"))  # the harness's modules import each other as scripts do

import conv  # noqa: E402
import conv_numpy  # noqa: E402
import memory  # noqa: E402
import mlp  # noqa: E402
import timing  # noqa: E402
import transformer  # noqa: E402
import under_load  # noqa: E402
import tinytorch  # noqa: E402


def tinytorch_gradients(weights, x, labels, seed):
    """Loss and [(dW, db)] of tinytorch's network, its dropout masks drawn after manual_seed(seed)."""
    model = mlp.TinytorchMLP(weights)
    tinytorch.manual_seed(seed)
    loss = model.loss(x, labels)
    loss.backward()
    return model, loss.item(), [(layer.weight.grad.data, layer.bias.grad.data) for layer in model.linears]


def assert_same_gradients(ours, theirs):
    for layer, ((dw, db), (their_dw, their_db)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(dw, their_dw, rtol=1e-5, atol=1e-7, err_msg=f"dW of layer {layer}")
        np.testing.assert_allclose(db, their_db, rtol=1e-5, atol=1e-7, err_msg=f"db of layer {layer}")


@pytest.fixture
def problem():
    images, labels = mlp.synthetic_data(64, seed=3)
    return mlp.initial_weights(seed=1), images, labels


# The hand-written loop, and the replay of tinytorch's own NumPy calls: both must do tinytorch's math.
BASELINES = {"numpy": mlp.numpy_mlp, "replay": mlp.replay_mlp}


@pytest.mark.parametrize("baseline", sorted(BASELINES))
def test_baseline_computes_tinytorch_gradients(baseline, problem):
    weights, x, labels = problem
    _, loss, grads = tinytorch_gradients(weights, x, labels, seed=7)
    their_loss, their_grads = BASELINES[baseline](weights, seed=7).gradients(x, labels)
    assert their_loss.dtype == np.float32 and all(g.dtype == np.float32 for pair in their_grads for g in pair)
    assert their_loss == pytest.approx(loss, rel=1e-6)
    assert_same_gradients(their_grads, grads)


@pytest.mark.parametrize("baseline", sorted(BASELINES))
def test_other_dropout_masks_give_other_gradients(baseline, problem):
    """The comparison above is sharp enough to notice different masks."""
    weights, x, labels = problem
    _, _, grads = tinytorch_gradients(weights, x, labels, seed=7)
    _, their_grads = BASELINES[baseline](weights, seed=8).gradients(x, labels)
    with pytest.raises(AssertionError):
        assert_same_gradients(their_grads, grads)


@pytest.mark.parametrize("baseline", sorted(BASELINES))
def test_baseline_step_updates_weights_as_tinytorch_sgd(baseline, problem):
    weights, x, labels = problem
    model, _, _ = tinytorch_gradients(weights, x, labels, seed=11)
    model.optimizer.step()
    theirs = BASELINES[baseline](weights, seed=11)
    theirs.step(x, labels)
    for layer, (w, b) in zip(model.linears, theirs.weights):
        np.testing.assert_allclose(w, layer.weight.data, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(b, layer.bias.data, rtol=1e-6, atol=1e-7)
    assert not np.array_equal(theirs.weights[0][0], weights[0][0]), "the step changed nothing"


def test_torch_mlp_starts_from_the_same_network(problem):
    """In evaluation mode (no dropout) PyTorch's copy computes tinytorch's logits."""
    torch = require_torch()
    weights, x, _ = problem
    ours = mlp.TinytorchMLP(weights).model.eval()
    theirs = mlp.TorchMLP(torch, weights).model.eval()
    np.testing.assert_allclose(ours(tinytorch.Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_batches_cover_the_data_once_in_order():
    images, labels = mlp.synthetic_data(10)
    parts = mlp.batches(images, labels, 4)
    assert [len(x) for x, _ in parts] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([y for _, y in parts]), labels)


def test_interleaved_takes_turns_and_keeps_only_timed_runs():
    calls = []
    ways = {name: (lambda name=name: lambda: calls.append(name)) for name in "abc"}
    seconds = timing.interleaved(ways, repeats=3, warmup=1)
    assert {name: len(runs) for name, runs in seconds.items()} == {"a": 3, "b": 3, "c": 3}
    rounds = [calls[i:i + 3] for i in range(0, 12, 3)]
    assert all(sorted(r) == ["a", "b", "c"] for r in rounds)
    assert len({r[0] for r in rounds}) == 3, f"every round began with the same way: {rounds}"
    assert len({tuple(r) for r in rounds}) == 4, f"rounds repeat one order: {rounds}"


def test_summary_scales_and_measures_the_spread():
    result = timing.summary([0.3, 0.1, 0.2], scale=10)
    assert result["median"] == pytest.approx(2.0)
    assert (result["min"], result["max"]) == (pytest.approx(1.0), pytest.approx(3.0))
    assert result["spread"] == pytest.approx(1.0)
    assert result["runs"] == [pytest.approx(3.0), pytest.approx(1.0), pytest.approx(2.0)]


def test_memory_estimate_counts_the_seed_network():
    parts = memory.estimate(batch_size=128)
    parameters = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert parts["parameters"] == parts["parameter_gradients"] == 4 * parameters
    assert parts["activations"] == 4 * 128 * (4 * (256 + 128) + 10)
    assert parts["total"] == sum(value for key, value in parts.items() if key != "total")


TIMED = {"train_step_b32", "train_step_b128", "train_epoch_b128", "linear_forward_b128",
         "add_chain", "add_single", "chain_backward", "conv_lenet1", "conv_lenet2", "conv_cifar", "cnn_step",
         "gpt_train_step", "attention_t16", "attention_t32"}
WITHOUT_NUMPY = {"chain_backward", "cnn_step", "gpt_train_step", "attention_t16", "attention_t32"}
WITH_REPLAY = {"train_step_b32", "train_step_b128", "train_epoch_b128"}


def torch_expected():
    return os.environ.get("TINYTORCH_REQUIRE_TORCH") == "1" or importlib.util.find_spec("torch") is not None


def assert_timing(way, repeats):
    assert way["min"] <= way["median"] <= way["max"] and way["min"] > 0
    assert len(way["runs"]) == repeats and way["spread"] >= 0


ONLY = {  # group: (the rows it measures, the figures its targets are checked on, text it must not print)
    "mlp": ({"train_step_b32", "train_step_b128", "train_epoch_b128", "linear_forward_b128", "add_chain", "add_single",
             "chain_backward", "memory_epoch_b128"}, ["train_epoch_b128"] * 4 + ["add_chain"], "Conv2d"),
    "conv": ({*conv.CONV_SHAPES, "cnn_step", "memory_cnn_step"}, list(conv.CONV_SHAPES), "digits milestone"),
}


@pytest.mark.slow
@pytest.mark.parametrize("group", sorted(ONLY))
def test_only_runs_the_groups_asked_for_and_checks_their_targets(group, tmp_path):
    """`--only GROUP` measures that group's rows, nothing else, and judges only their targets."""
    rows, figures, absent = ONLY[group]
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--only", group,
                             "--json", str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert set(report["results"]) == rows
    assert [target["figure"].split(".")[0] for target in report["targets"]] == figures
    assert absent not in result.stdout and "digits milestone" not in result.stdout
    assert report["machine"]["allocator"]


def test_an_unknown_group_is_refused(tmp_path):
    refused = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--only", "convs"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "invalid choice: 'convs'" in refused.stderr


@pytest.mark.slow
def test_quick_run_reports_every_figure_ratio_and_the_machine(tmp_path):
    """The CI smoke check: `run.py --quick --json` succeeds and its JSON is complete (no timing asserted)."""
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--json", str(out)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    with_torch = torch_expected()

    machine = report["machine"]
    assert machine["cpu_model"] and machine["cpu_count"] >= 1 and 1 <= machine["cpus_usable"] <= machine["cpu_count"]
    assert machine["blas"], "threadpoolctl found no BLAS under NumPy"
    for blas in machine["blas"]:
        assert blas["library"] and blas["version"] and blas["threads"] >= 1 and "kernel" in blas
    assert machine["blas_threads_chosen_by"] and machine["allocator"]
    assert machine["numpy"] == np.__version__ and machine["python"] and machine["date"]
    assert len(machine["load_average"]) == len(machine["load_average_end"]) == 3
    if with_torch:
        assert machine["torch"] and machine["torch_threads"] == machine["blas"][0]["threads"]

    results = report["results"]
    per_core = {"under_load_per_core"} if tinytorch.threads.usable_cores() > 1 else set()
    assert set(results) == TIMED | {"memory_epoch_b128", "under_load_default", "memory_cnn_step"} | per_core
    for key in TIMED:
        entry = results[key]
        repeats = entry["params"]["repeats"]
        assert entry["unit"] and entry["definition"]
        expected_ways = ({"tinytorch", "torch"} | ({"numpy"} if key not in WITHOUT_NUMPY else set())
                         | ({"replay"} if key in WITH_REPLAY else set()))
        assert set(entry["ways"]) == expected_ways, key
        assert set(entry["ratios"]) == set(entry["ratios_of_minima"]) == {
            f"tinytorch/{way}" for way in expected_ways - {"tinytorch"}}
        for name, way in entry["ways"].items():
            if name == "torch" and not with_torch:
                assert "torch" in way["skipped"]
                continue
            assert_timing(way, repeats)
        for name, ratio in [*entry["ratios"].items(), *entry["ratios_of_minima"].items()]:
            assert (ratio is None) == (name == "tinytorch/torch" and not with_torch), (key, name)
            assert ratio is None or (ratio > 0 and math.isfinite(ratio)), (key, name)
    for key in ("add_chain", "add_single"):
        assert {"tinytorch_overhead_us", "torch_overhead_us"} <= set(results[key]["derived"]) or not with_torch
    assert results["chain_backward"]["derived"]["tinytorch_seconds"] > 0
    for key in WITH_REPLAY:
        ways, derived = results[key]["ways"], results[key]["derived"]
        per_step = 1e-3 if key.startswith("train_step") else 1 / results[key]["params"]["steps"]
        assert derived["framework_us_per_step"] == pytest.approx(
            (ways["tinytorch"]["median"] - ways["replay"]["median"]) * per_step * 1e6), key
        assert derived["replay/numpy"] == pytest.approx(ways["replay"]["median"] / ways["numpy"]["median"]), key

    used = results["memory_epoch_b128"]
    for way in ("tinytorch", "numpy"):
        assert 0 < used[way]["after_build"] <= used[way]["peak"]
        assert used[way]["peak"] == max(used[way]["first_half_peak"], used[way]["second_half_peak"])
    assert used["estimate"] == memory.estimate(128)
    # 3 linear, 2 relu, 2 dropout multiplications and 1 cross-entropy: 8 recorded operations.
    assert used["derived"]["graph_nodes"] >= 8, "the step's graph was not walked"
    assert used["derived"]["graph_nodes_alive_after_step"] == 0, "a step's graph outlived the step"

    step = results["memory_cnn_step"]
    assert step["estimate"] == conv.step_estimate(conv.lenet("fashion-mnist"), (64, 1, 28, 28))
    assert step["peak"] > step["estimate"]["parameters"] and step["derived"]["peak_over_estimate"] > 0

    for key in {"under_load_default"} | per_core:
        entry = results[key]
        assert entry["unit"] == "ms per epoch" and entry["params"]["busy_processes"] == 2
        assert entry["params"]["threads"] == (1 if key == "under_load_default" else tinytorch.threads.usable_cores())
        for way in ("idle", "loaded"):
            assert_timing(entry["ways"][way], entry["params"]["repeats"])
        for ratios, statistic in (("ratios", "median"), ("ratios_of_minima", "min")):
            expected = entry["ways"]["loaded"][statistic] / entry["ways"]["idle"][statistic]
            assert entry[ratios] == {"loaded/idle": pytest.approx(expected)}, (key, ratios)

    conv_and_attention = len(conv.CONV_LABELS) + sum(key.startswith("attention_t") for key in results)
    assert [target["limit"] for target in report["targets"]] == [1.15, 0.8, 1.0, 0.7, 3.0, 3.0, 2.0] + [2.0] * conv_and_attention
    for target in report["targets"]:
        measured = target["value"] is not None
        assert target["met"] == (target["value"] <= target["limit"] if measured else None)
        assert target["noisy"] == (target["spread"] > report["noisy_spread"] if measured else None)
        assert measured or (not with_torch and "PyTorch" in target["name"])
    for text in ("train step, batch 32", "epoch, batch 128", "the framework's own cost per step", "Targets of issues 6, 11, 12 and 13", "graph freed",
                 "idle and beside 2 busy processes", "1 (tinytorch's default)", "Conv2d(3, 32, 3, padding=1)",
                 "Peak memory of a training step of the cnn milestone's network",
                 "GPT train step", "attention fwd + bwd, seq 32"):
        assert text in result.stdout




def test_the_dataloader_benchmark_runs(tmp_path):
    """A smoke run on tiny data, so that the benchmark cannot rot; its timings are not checked.
    (It lives here, not among Module 08's tests: a student release ships no benchmarks/.)"""
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "dataloader.py"), "--samples", "500",
                             "--features", "8", "--batch-size", "64", "--repeats", "1"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "tinytorch DataLoader, shuffle=True" in result.stdout and "x NumPy" in result.stdout


@pytest.mark.parametrize("name", sorted(conv.CONV_SHAPES))
def test_numpy_conv_computes_tinytorchs_output_and_gradients(name):
    shape, out_channels, kernel, stride, padding = conv.CONV_SHAPES[name]
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2,) + shape[1:], dtype=np.float32)  # two images are enough to compare
    layer = tinytorch.Conv2d(shape[1], out_channels, kernel, stride, padding)
    ours_x = tinytorch.Tensor(x, requires_grad=True)
    out = layer(ours_x)
    upstream = rng.standard_normal(out.shape, dtype=np.float32)
    out.backward(tinytorch.Tensor(upstream))
    numpy_out, cache = conv_numpy.forward(x, layer.weight.data, layer.bias.data, layer.stride, layer.padding)
    np.testing.assert_allclose(numpy_out, out.data, rtol=1e-5, atol=1e-5)
    for got, expected, what in zip(conv_numpy.backward(upstream, cache),
                                   (ours_x.grad, layer.weight.grad, layer.bias.grad), ("input", "weight", "bias")):
        np.testing.assert_allclose(got, expected.data, rtol=1e-4, atol=1e-4, err_msg=f"{what} gradient")


def test_torch_copy_of_the_cnn_computes_the_same_step():
    torch = require_torch()
    tinytorch.manual_seed(0)
    model = conv.lenet("fashion-mnist")
    theirs = conv.torch_copy(torch, model)
    x, labels = conv.step_data(seed=2)
    loss = conv.TinytorchStep(model)(x, labels)
    their_loss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(labels))
    their_loss.backward()
    assert loss.item() == pytest.approx(their_loss.item(), rel=1e-5)
    first_conv = theirs[0].weight.grad.numpy()
    stepped = model[0].weight.data  # after tinytorch's SGD step: w - lr * grad
    np.testing.assert_allclose(stepped, theirs[0].weight.detach().numpy() - conv.LEARNING_RATE * first_conv,
                               rtol=1e-5, atol=1e-6)


def test_cnn_step_estimate_counts_the_shapes():
    """The cnn milestone's network at batch 64, worked out by hand from the layer shapes."""
    model = conv.lenet("fashion-mnist")
    parts = conv.step_estimate(model, (64, 1, 28, 28))
    parameters = (16 * 25 + 16) + 2 * 16 + (32 * 16 * 25 + 32) + 2 * 32 + (800 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    assert parts["parameters"] == parts["parameter_gradients"] == 4 * parameters
    assert parts["im2col"] == 4 * 64 * (1 * 25 * 28 * 28 + 16 * 25 * 10 * 10)
    # Outputs (conv, BN and its x_hat, ReLU per stage; pool output plus 1-byte winners; the Linear layers).
    stage1, pooled1 = 16 * 28 * 28, 16 * 14 * 14
    stage2, pooled2 = 32 * 10 * 10, 32 * 5 * 5
    kept = 4 * 64 * (4 * stage1 + pooled1 + 4 * stage2 + pooled2 + 120 + 120 + 84 + 84 + 10) + 64 * (pooled1 + pooled2)
    assert parts["activations"] == kept
    assert parts["backward_transient"] == 4 * 64 * (16 * 25 * 10 * 10 + 16 * 14 * 14), "conv2's dcols and padded input grad"
    assert parts["total"] == sum(value for key, value in parts.items() if key != "total")


def test_busy_processes_spin_during_the_block_and_are_gone_after_it():
    with under_load.busy_processes(count=2) as spinners:
        assert len(spinners) == 2 and all(spinner.poll() is None for spinner in spinners)
    assert all(spinner.returncode is not None for spinner in spinners), "a busy process outlived the block"


def test_a_busy_process_stops_by_itself_at_its_limit():
    with under_load.busy_processes(count=1, limit=0.2) as (spinner,):
        assert spinner.wait(timeout=60) == 0, "the busy process did not end by itself"



def test_torch_gpt_computes_tinytorchs_loss_and_gradients():
    """The PyTorch twin of the gpt benchmark is the same model: same loss, same gradient of every weight."""
    torch = require_torch()
    sizes = {**transformer.GPT_SIZES["quick"], "num_layers": 2}
    model = transformer.tinytorch_gpt(sizes, seed=2)
    for parameter in model.parameters():  # move LayerNorms and biases off 1 and 0, so a mapping slip shows
        parameter.data[...] += 0.05 * np.random.default_rng(3).standard_normal(parameter.shape).astype(np.float32)
    inputs, targets = transformer.gpt_batches(sizes, 1, seed=4)[0]
    ours, theirs = transformer.TinytorchStep(model), transformer.TorchStep(torch, model)
    loss, their_loss = ours.loss(inputs, targets), theirs.loss(inputs, targets)
    loss.backward()
    their_loss.backward()
    assert loss.item() == pytest.approx(their_loss.item(), rel=1e-5)
    twin, width = theirs.model, sizes["embed_dim"]

    def grad(parameter):
        return parameter.grad.numpy()

    pairs = [(model.token_embedding.weight, grad(twin.tokens.weight)), (model.position_embedding.weight, grad(twin.positions)),
             (model.final_norm.weight, grad(twin.norm.weight)), (model.head.weight, grad(twin.head.weight).T)]
    for block, their_block in zip(model.blocks, twin.blocks):
        attention, packed = block.attention, grad(their_block.qkv.weight).T  # (in, 3 * out): q, k, v side by side
        pairs += [(attention.q_proj.weight, packed[:, :width]), (attention.k_proj.weight, packed[:, width:2 * width]),
                  (attention.v_proj.weight, packed[:, 2 * width:]), (attention.out_proj.weight, grad(their_block.out.weight).T),
                  (block.mlp.fc.weight, grad(their_block.fc.weight).T), (block.mlp.proj.bias, grad(their_block.proj.bias)),
                  (block.norm1.bias, grad(their_block.norm1.bias))]
    for ours_parameter, their_grad in pairs:
        np.testing.assert_allclose(ours_parameter.grad.data, their_grad, rtol=1e-3, atol=1e-5)


def test_gpt_benchmark_steps_train_both_models_alike():
    """After two identical steps (AdamW, clipping) the two models still compute the same loss."""
    torch = require_torch()
    sizes = transformer.GPT_SIZES["quick"]
    model = transformer.tinytorch_gpt(sizes, seed=5)
    ours, theirs = transformer.TinytorchStep(model), transformer.TorchStep(torch, model)
    batches = transformer.gpt_batches(sizes, 3, seed=6)
    for inputs, targets in batches[:2]:
        ours.step(inputs, targets)
        theirs.step(inputs, targets)
    inputs, targets = batches[2]
    assert ours.loss(inputs, targets).item() == pytest.approx(theirs.loss(inputs, targets).item(), rel=1e-4)
