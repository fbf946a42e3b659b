"""Milestones: they reach their targets, report honestly when they do not, and never need matplotlib."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import NO_BLAS_THREAD_SETTING, REPO, require_fashion_mnist, run_tito


def run_milestone(tmp_path, *args, env=None):
    """Run a milestone of this repository; its plot and JSON go to `tmp_path`, never into the checkout."""
    result_file = tmp_path / "result.json"
    result = run_tito("milestone", "run", *args, "--json", result_file, "--out", tmp_path / "runs", cwd=REPO,
                      env=env, timeout=1200)
    report = json.loads(result_file.read_text()) if result_file.exists() else None
    return result, report


def test_list_shows_every_milestone_and_target():
    result = run_tito("milestone", "list", cwd=REPO, env={"COLUMNS": "200"})
    assert result.returncode == 0
    for text in ("perceptron", "xor", "mlp", "digits (97%)", "fashion-mnist (88%)", "cnn", "digits (98%)",
                 "fashion-mnist (91%)", "attention", "reversal (95%)", "gpt", "shakespeare (0.35 nats below the bigram)"):
        assert text in result.stdout


def test_perceptron_separates_the_blobs(tmp_path):
    result, report = run_milestone(tmp_path, "perceptron")
    assert result.returncode == 0, result.stdout + result.stderr
    assert report["reached"] and report["test_accuracy"] == 1.0
    assert set(report) >= {"milestone", "dataset", "test_accuracy", "target", "reached", "epochs", "seconds"}


def test_xor_needs_a_hidden_layer(tmp_path):
    result, report = run_milestone(tmp_path, "xor")
    assert result.returncode == 0, result.stdout
    assert report["linear_accuracy"] <= 0.75 and report["mlp_accuracy"] == 1.0 and report["reached"]


def test_mlp_on_digits_reaches_97_percent(tmp_path):
    result, report = run_milestone(tmp_path, "mlp", env=NO_BLAS_THREAD_SETTING)
    assert result.returncode == 0, result.stdout + result.stderr
    assert report["dataset"] == "digits" and report["test_accuracy"] >= 0.97 and report["reached"]
    assert "epoch 60/60" in result.stdout and "samples/s" in result.stdout
    # The header names the BLAS, its kernel and threads (tinytorch's default of one); the JSON keeps them.
    blas = report["blas"][0]
    assert report["threads"] == blas["threads"] == 1
    assert (f"BLAS: {blas['library']} {blas['version']} ({blas['kernel']} kernel), 1 thread: tinytorch's default; "
            in result.stdout), result.stdout[:500]


@pytest.mark.slow
def test_mlp_on_fashion_mnist_reaches_88_percent(tmp_path):
    require_fashion_mnist()
    result, report = run_milestone(tmp_path, "mlp", "--dataset", "fashion-mnist")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert report["test_accuracy"] >= 0.88 and report["reached"] and report["epochs"] == 20


@pytest.mark.slow  # trains the cnn and the mlp: the longest run of the quick milestones
def test_cnn_on_digits_reaches_98_percent_beside_the_mlp(tmp_path):
    """The quick variant CI runs (the Fashion-MNIST run takes minutes); the MLP beside it is the mlp
    milestone's own run, to the digit."""
    result, report = run_milestone(tmp_path, "cnn")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert report["dataset"] == "digits" and report["reached"] and report["test_accuracy"] >= 0.98
    assert report["epochs"] == 20 and "epoch 20/20" in result.stdout and report["parameters"] == 6_186
    _, mlp_report = run_milestone(tmp_path, "mlp")
    assert report["mlp_test_accuracy"] == mlp_report["test_accuracy"] and report["mlp_epochs"] == 60
    assert f"CNN {report['test_accuracy']:.2%}" in result.stdout and f"MLP {mlp_report['test_accuracy']:.2%}" in result.stdout
    assert "plot" not in report or report["plot"].endswith("cnn-digits.png")


def test_attention_reverses_sequences_and_without_it_stays_at_chance(tmp_path):
    result, report = run_milestone(tmp_path, "attention")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert report["exact_match"] >= 0.95 and report["reached"] and report["token_accuracy"] >= report["exact_match"]
    assert report["without_attention_token_accuracy"] <= 0.15 and report["without_attention_exact_match"] == 0.0
    assert "without attention: epoch 1/" in result.stdout and "sequences reversed" in result.stdout


@pytest.mark.slow
def test_gpt_short_run_learns_beyond_bigrams_is_causal_and_reports_honestly(tmp_path):
    """CI's short variant of the gpt milestone: one epoch, about 5 minutes here. It ends about 0.13
    nats below the bigram model, short of the 0.35 target that the full three epochs reach (see
    the README), so it must report a miss and exit 1 while showing the model uses context."""
    result, report = run_milestone(tmp_path, "gpt", "--epochs", "1")
    assert result.returncode == (0 if report["reached"] else 1), result.stdout[-3000:] + result.stderr
    assert report["reached"] == (report["nats_below_bigram"] >= 0.35)
    assert report["nats_below_bigram"] == pytest.approx(report["bigram_heldout_loss"] - report["heldout_loss"], abs=1e-5)
    assert 2.5 < report["bigram_heldout_loss"] < 2.6, "the bigram baseline of the bundled plays is 2.56 nats per character"
    assert report["nats_below_bigram"] > 0.08, "after one epoch the model must already use more than one character of context"
    assert report["causality_max_change"] == 0.0
    assert report["sample"].startswith("ROMEO:") and len(report["sample"]) == len("ROMEO:") + 400
    assert report["sample"] in result.stdout and "held-out loss over all of The Tempest" in result.stdout
    history = report["history"]
    assert history["epoch"][-1] == 1.0 and history["val_loss"][-1] < history["val_loss"][0]


def test_a_missed_target_is_reported_and_fails(tmp_path):
    result, report = run_milestone(tmp_path, "mlp", "--epochs", "1")
    assert result.returncode == 1
    assert report["reached"] is False and report["test_accuracy"] < 0.97
    assert "MISSED" in result.stdout


def test_runs_are_deterministic(tmp_path):
    first = run_milestone(tmp_path, "mlp", "--epochs", "3")[1]
    second = run_milestone(tmp_path, "mlp", "--epochs", "3")[1]
    assert (first["test_accuracy"], first["final_train_loss"]) == (second["test_accuracy"], second["final_train_loss"])


def test_the_thread_count_changes_a_seeded_run_by_round_off_at_most(tmp_path):
    """Each product may add its terms in another order on 2 threads; over 3 epochs of digits that
    moves the loss in its last digits at most. (Over 20 epochs of Fashion-MNIST training can carry
    such differences further: compare long runs at one thread count.)"""
    one_result, one = run_milestone(tmp_path, "mlp", "--epochs", "3", "--threads", "1")
    two_result, two = run_milestone(tmp_path, "mlp", "--epochs", "3", "--threads", "2")
    assert (one["threads"], two["threads"]) == (1, 2)
    assert "1 thread: set_num_threads(1)" in one_result.stdout and "2 threads: set_num_threads(2)" in two_result.stdout
    assert two["final_train_loss"] == pytest.approx(one["final_train_loss"], rel=1e-4)
    assert abs(two["test_accuracy"] - one["test_accuracy"]) <= 1 / 359 + 1e-9, "more than one of 359 test images"


def test_without_matplotlib_a_note_and_no_crash(tmp_path):
    blocker = tmp_path / "blocker"
    (blocker / "matplotlib").mkdir(parents=True)
    (blocker / "matplotlib" / "__init__.py").write_text("raise ImportError('matplotlib is blocked for this test')\n")
    pythonpath = os.pathsep.join([str(blocker), str(REPO)])
    result, report = run_milestone(tmp_path, "xor", env={"PYTHONPATH": pythonpath})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matplotlib is not installed, so no plot was saved" in result.stdout and "plot" not in report


def test_plot_is_saved_when_matplotlib_is_there(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib not installed (the 'plot' extra)")
    result, report = run_milestone(tmp_path, "xor")
    assert report["plot"] == str(tmp_path / "runs" / "xor-xor.png") and os.path.getsize(report["plot"]) > 10_000


def test_relative_paths_are_taken_from_where_tito_runs(workspace):
    shutil.copytree(REPO / "milestones", workspace / "milestones")
    here = workspace / "modules"
    result = run_tito("milestone", "run", "perceptron", "--json", "result.json", "--out", "plots", cwd=here)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((here / "result.json").read_text())["reached"]
    assert (here / "plots" / "perceptron-blobs.png").is_file() or "matplotlib is not installed" in result.stdout
    assert not (workspace / "runs").exists() and not (workspace / "result.json").exists()


@pytest.mark.parametrize("args, message", [
    (("nope",), "no milestone called 'nope'"),
    (("xor", "--dataset", "digits"), "runs on xor, not 'digits'"),
    (("mlp", "--epochs", "0"), "--epochs must be at least 1"),
    (("mlp", "--threads", "0"), "--threads must be at least 1"),
])
def test_bad_arguments(args, message):
    result = run_tito("milestone", "run", *args, cwd=REPO)
    assert result.returncode == 2 and message in result.stdout


def test_the_lesson_analyses_the_network_the_cnn_milestone_trains():
    """Module 09's analysis tabulates the milestone's Fashion-MNIST network; the two must not drift apart.
    (The lesson runs in a process of its own: executing it registers its own gradient rules.)"""
    from milestones.cnn import lenet

    lesson = REPO / "modules" / "09_spatial" / "spatial_dev.py"
    code = f"import runpy; print(repr(runpy.run_path({str(lesson)!r}, run_name='lesson')['milestone_network']()))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(lenet("fashion-mnist"))
