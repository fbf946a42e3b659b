"""tinytorch: a NumPy-only deep-learning framework, built module by module.

The framework lives in `tinytorch.core`, generated from the course modules in modules/.
This file only re-exports the most used names, so that `import tinytorch` is enough for scripts.
"""

__version__ = "0.1.0"

from tinytorch.core.tensor import Tensor, default_generator, manual_seed
from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.layers import Dropout, Linear, Module, Sequential
from tinytorch.core.dataloader import DataLoader, Dataset, TensorDataset

__all__ = [
    "Tensor", "manual_seed", "default_generator",
    "ReLU", "Sigmoid", "Tanh", "GELU", "Softmax",
    "Module", "Linear", "Dropout", "Sequential",
    "Dataset", "TensorDataset", "DataLoader",
]
