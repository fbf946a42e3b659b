"""Milestone: a character-level GPT learns to write like Shakespeare.

The model reads the seven training plays bundled with tinytorch and is judged on the eighth,
The Tempest, which it never sees. The yardstick is a bigram model (the next character's
distribution given only the current one, counted on the training plays): the GPT must get
its held-out loss at least 0.35 nats per character below the bigram's, which a model can
only do by using more context than one character. The run also probes causality (changing
a later character never changes an earlier position's logits) and prints a sample.

An epoch is as many steps as it takes to read as many characters as the training plays
hold, in windows drawn at random positions.
"""

import time

import numpy as np

from milestones.report import finish
from tinytorch import AdamW, CrossEntropyLoss, clip_grad_norm, manual_seed, no_grad
from tinytorch.core.tokenization import CharTokenizer
from tinytorch.core.transformers import GPT
from tinytorch.datasets import load_shakespeare

CONFIG = {"embed_dim": 128, "num_layers": 4, "num_heads": 4, "max_seq_len": 128}
BATCH, LEARNING_RATE, WARMUP_STEPS, WEIGHT_DECAY, MAX_GRAD_NORM = 32, 3e-3, 50, 0.1, 1.0
EVALUATIONS_PER_EPOCH = 4
REFERENCE_LOSS = 1.6  # nats per character: the mark for a well-trained small model
SAMPLE_PROMPT, SAMPLE_LENGTH = "ROMEO:", 400


def bigram_loss(train_ids, heldout_ids, vocab_size):
    """Held-out loss, in nats per character, of next-character counts from the training text (add-one smoothing)."""
    counts = np.ones((vocab_size, vocab_size))
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1)
    log_probabilities = np.log(counts / counts.sum(axis=1, keepdims=True))
    return float(-log_probabilities[heldout_ids[:-1], heldout_ids[1:]].mean())


def windows(ids, length):
    """Consecutive, non-overlapping (inputs, targets) windows covering `ids`: every position predicted once."""
    count = (len(ids) - 1) // length
    return ids[:count * length].reshape(count, length), ids[1:count * length + 1].reshape(count, length)


def mean_loss(model, inputs, targets, batch=64):
    """The model's mean next-token loss over all the windows, in evaluation mode."""
    model.eval()
    summed = 0.0
    with no_grad():
        for start in range(0, len(inputs), batch):
            logits = model(inputs[start:start + batch])
            summed += CrossEntropyLoss(reduction="sum")(logits.reshape(-1, model.vocab_size),
                                                        targets[start:start + batch].reshape(-1)).item()
    model.train()
    return summed / targets.size


def learning_rate(step, total_steps):
    """Linear warm-up, then cosine decay to a tenth of the peak."""
    warm = min(1.0, (step + 1) / WARMUP_STEPS)
    return LEARNING_RATE * warm * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * step / total_steps)))


def causality_probe(model, ids):
    """Change each later token of one sequence in turn; the largest change of any earlier position's logits."""
    model.eval()
    with no_grad():
        before = model(ids[np.newaxis]).data[0]
        leaked, reacted = 0.0, True
        for position in range(1, len(ids)):
            changed = ids.copy()
            changed[position] = (changed[position] + 1) % model.vocab_size
            after = model(changed[np.newaxis]).data[0]
            leaked = max(leaked, float(np.abs(after[:position] - before[:position]).max()))
            reacted = reacted and not np.allclose(after[position:], before[position:])
    model.train()
    return leaked, reacted


def run(milestone, dataset, epochs, out_dir, json_path):
    manual_seed(0)
    rng = np.random.default_rng(0)
    tokenizer = CharTokenizer(load_shakespeare())  # the whole text: a few characters occur only in The Tempest
    train_ids = tokenizer.encode(load_shakespeare("train"))
    heldout_ids = tokenizer.encode(load_shakespeare("heldout"))
    model = GPT(tokenizer.vocab_size, **CONFIG)
    optimizer = AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    loss_fn = CrossEntropyLoss()
    length = CONFIG["max_seq_len"]
    steps_per_epoch = len(train_ids) // (BATCH * length)
    total_steps = epochs * steps_per_epoch
    every = max(1, steps_per_epoch // EVALUATIONS_PER_EPOCH)
    heldout_inputs, heldout_targets = windows(heldout_ids, length)
    probe = rng.choice(len(heldout_inputs), size=min(32, len(heldout_inputs)), replace=False)

    bigram = bigram_loss(train_ids, heldout_ids, tokenizer.vocab_size)
    print(f"{len(train_ids):,} training and {len(heldout_ids):,} held-out characters (The Tempest), "
          f"{tokenizer.vocab_size} distinct; {model!r}: {sum(p.numel() for p in model.parameters()):,} parameters")
    print(f"bigram baseline: held-out loss {bigram:.4f} nats per character; target: at most {bigram - 0.35:.4f}")
    print(f"{epochs} epochs of {steps_per_epoch} steps, batch {BATCH} x {length} characters")

    history = {"epoch": [], "train_loss": [], "val_loss": []}
    # Wall-clock time depends on whatever else the machine runs; the process's CPU time much less.
    recent, start, cpu_start = [], time.perf_counter(), time.process_time()
    for step in range(total_steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, total_steps)
        starts = rng.integers(0, len(train_ids) - length, size=BATCH)
        window = train_ids[starts[:, np.newaxis] + np.arange(length + 1)]
        loss = loss_fn(model(window[:, :-1]).reshape(-1, tokenizer.vocab_size), window[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm(model.parameters(), MAX_GRAD_NORM)
        optimizer.step()
        recent.append(loss.item())
        if (step + 1) % every == 0 or step + 1 == total_steps:
            heldout = mean_loss(model, heldout_inputs[probe], heldout_targets[probe])
            for key, value in (("epoch", (step + 1) / steps_per_epoch), ("train_loss", float(np.mean(recent))),
                               ("val_loss", heldout)):
                history[key].append(round(value, 4))
            elapsed = time.perf_counter() - start
            print(f"step {step + 1}/{total_steps} (epoch {(step + 1) / steps_per_epoch:.2f}): train loss "
                  f"{np.mean(recent):.4f} | held-out loss {heldout:.4f} on {len(probe)} windows | "
                  f"{elapsed:.0f} s, {(step + 1) * BATCH * length / elapsed:,.0f} characters/s", flush=True)
            recent = []
    training_seconds, training_cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start

    heldout = mean_loss(model, heldout_inputs, heldout_targets)
    leaked, reacted = causality_probe(model, heldout_inputs[0])
    manual_seed(1)
    sample = tokenizer.decode(model.generate(tokenizer.encode(SAMPLE_PROMPT), SAMPLE_LENGTH, temperature=0.8))
    print(f"\nheld-out loss over all of The Tempest: {heldout:.4f} nats per character "
          f"(bigram {bigram:.4f}: {bigram - heldout:.3f} below; {heldout - REFERENCE_LOSS:+.3f} from {REFERENCE_LOSS})")
    print(f"training took {training_seconds:.0f} s ({training_cpu_seconds:.0f} s of CPU time)")
    print(f"causality: changing a later character moved an earlier position's logits by at most {leaked:.1e}")
    print(f"a sample (temperature 0.8, seed 1):\n{'-' * 60}\n{sample}\n{'-' * 60}")
    details = {"heldout_loss": round(heldout, 6), "bigram_heldout_loss": round(bigram, 6),
               "reference_loss": REFERENCE_LOSS, "above_reference": round(heldout - REFERENCE_LOSS, 6),
               "training_seconds": round(training_seconds, 1),
               "training_cpu_seconds": round(training_cpu_seconds, 1),
               "steps": total_steps, "batch": BATCH, "config": CONFIG, "vocab_size": tokenizer.vocab_size,
               "causality_max_change": leaked, "sample": sample, "history": history}
    return finish(milestone, dataset, bigram - heldout, epochs, time.perf_counter() - start, history, out_dir,
                  json_path, details=details,
                  conditions={"no earlier position's logits change when a later token does": leaked == 0.0,
                              "later positions' logits do change": reacted},
                  references={"bigram, held-out": bigram, "target": bigram - 0.35})
