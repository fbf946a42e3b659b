"""Milestone: the seed's network, Linear-ReLU-Dropout(0.5)-Linear-ReLU-Dropout(0.3)-Linear, on real images.

On the bundled UCI digits (8x8 = 64 inputs) it trains in seconds; on Fashion-MNIST it is
exactly the seed's 784-256-128-10 network. The cnn milestone trains it too, through `train`,
to compare the two on the same images.
"""

from milestones import classify
from milestones.report import finish
from tinytorch import Dropout, Linear, ReLU, Sequential, Tensor, manual_seed
from tinytorch.core.dataloader import TensorDataset

BATCH_SIZE = {"digits": 32, "fashion-mnist": 128}
LEARNING_RATE = {"digits": 2e-3, "fashion-mnist": 2e-3}


def seed_network(inputs):
    """The seed's MLP; only the input width depends on the images."""
    return Sequential(
        Linear(inputs, 256), ReLU(), Dropout(0.5),
        Linear(256, 128), ReLU(), Dropout(0.3),
        Linear(128, 10),
    )


def load(dataset, split):
    images, labels = classify.load_images(dataset, split)
    return TensorDataset(Tensor(images.reshape(len(images), -1)), Tensor(labels))


def train(dataset, epochs, log=print):
    """Train the seed's MLP from seed 0; returns (test accuracy, history, seconds of training)."""
    manual_seed(0)
    train_set, test_set = load(dataset, "train"), load(dataset, "test")
    inputs = train_set.tensors[0].shape[1]
    model = seed_network(inputs)
    print(f"{len(train_set):,} training and {len(test_set):,} test images of {inputs} pixels; "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    return classify.train(model, train_set, test_set, BATCH_SIZE[dataset], LEARNING_RATE[dataset], epochs, log)


def run(milestone, dataset, epochs, out_dir, json_path):
    accuracy, history, seconds = train(dataset, epochs)
    return finish(milestone, dataset, accuracy, epochs, seconds, history, out_dir, json_path)
