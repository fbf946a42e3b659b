"""Milestones: real, seeded training runs that prove the framework works end to end.

This file only describes them (it imports nothing from tinytorch), so that tito can list them
cheaply; `python -m milestones run NAME` runs one against the tinytorch found on sys.path.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Milestone:
    name: str
    module: str  # the file in this package that trains it
    description: str
    targets: dict  # dataset -> the score that counts as reached (the least, for a score where more is better)
    default_epochs: dict  # dataset -> epochs
    score: str = "test_accuracy"  # what the targets bound: its key in the JSON, and (with spaces) its printed name
    score_format: str = "{:.2%}"  # how a measured score is printed
    target_format: str = "{:.0%}"  # how a target is printed (tito milestone list, the verdict line)


MILESTONES = {
    m.name: m
    for m in (
        Milestone("perceptron", "perceptron", "one Linear layer separates two clouds of 2-D points",
                  {"blobs": 1.0}, {"blobs": 30}),
        Milestone("xor", "xor", "one Linear layer cannot learn XOR (at most 3 of 4); a 2-layer MLP can",
                  {"xor": 1.0}, {"xor": 300}),
        Milestone("mlp", "mlp", "the seed's MLP (ReLU, Dropout 0.5/0.3) trained with Adam on real images",
                  {"digits": 0.97, "fashion-mnist": 0.88}, {"digits": 60, "fashion-mnist": 20}),
        Milestone("cnn", "cnn", "a LeNet-style CNN (Conv2d, BatchNorm2d, MaxPool2d) beats the MLP on the same images",
                  {"digits": 0.98, "fashion-mnist": 0.91}, {"digits": 20, "fashion-mnist": 15}),
        Milestone("attention", "attention", "reversing sequences needs attention: a transformer learns it, "
                  "the same network without attention stays at chance",
                  {"reversal": 0.95}, {"reversal": 3}, score="exact_match"),
        Milestone("gpt", "gpt", "a character-level GPT learns to write like Shakespeare; held-out loss against "
                  "a bigram model's", {"shakespeare": 0.35}, {"shakespeare": 3}, score="nats_below_bigram",
                  score_format="{:.3f} nats", target_format="{:.2f} nats below the bigram"),
    )
}
