"""tinytorch: a NumPy-only deep-learning framework, built module by module.

The framework lives in `tinytorch.core`, generated from the course modules in modules/.
This file re-exports the most used names so that `from tinytorch import Linear` works. They
are imported on first use, so `import tinytorch` works even in a workspace where a later
module has not been exported yet.

Importing tinytorch also sets NumPy's BLAS to one thread unless the environment chose a count
(`tinytorch/threads.py` says why, and `set_num_threads(n)` changes it), and asks glibc's malloc
to keep freed memory for reuse rather than hand it back to the kernel at once
(`tinytorch/memory.py` says why).
"""

import importlib

import numpy as np

from tinytorch import memory, threads
from tinytorch.threads import get_num_threads, set_num_threads

__version__ = "0.1.0"

threads.use_default_threads()
memory.keep_freed_memory()

_HOME = {
    "tinytorch.core.tensor": ("Tensor", "manual_seed", "default_generator", "tensor", "from_numpy", "zeros",
                              "ones", "full", "zeros_like", "ones_like", "rand", "randn", "arange", "where",
                              "maximum", "minimum", "cat", "stack", "is_grad_enabled", "set_grad_enabled"),
    "tinytorch.core.activations": ("ReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax", "softmax",
                                   "log_softmax"),
    "tinytorch.core.layers": ("Parameter", "Module", "Linear", "Dropout", "Sequential", "ModuleList"),
    "tinytorch.core.losses": ("MSELoss", "CrossEntropyLoss", "BinaryCrossEntropyLoss", "BCEWithLogitsLoss"),
    "tinytorch.core.autograd": ("no_grad", "gradcheck"),
    "tinytorch.core.optimizers": ("SGD", "Adam", "AdamW"),
    "tinytorch.core.training": ("Trainer", "StepLR", "CosineAnnealingLR", "clip_grad_norm",
                                "save_checkpoint", "load_checkpoint"),
    "tinytorch.core.dataloader": ("Dataset", "TensorDataset", "DataLoader"),
    "tinytorch.core.spatial": ("Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "BatchNorm2d", "BatchNorm1d"),
    "tinytorch.core.tokenization": ("CharTokenizer", "BPETokenizer"),
    "tinytorch.core.embeddings": ("Embedding", "PositionalEmbedding", "SinusoidalPositionalEncoding"),
    "tinytorch.core.attention": ("scaled_dot_product_attention", "causal_mask", "MultiHeadAttention"),
    "tinytorch.core.transformers": ("LayerNorm", "TransformerBlock", "GPT"),
}
_MODULE_OF = {name: module for module, names in _HOME.items() for name in names}

# dtypes under PyTorch's names, so that `dtype=tinytorch.float32` reads as it does in PyTorch.
float32, float64, float16 = np.float32, np.float64, np.float16
int64, int32, int16, int8, uint8 = np.int64, np.int32, np.int16, np.int8, np.uint8
bool = np.bool_  # noqa: A001 (shadows the builtin only as tinytorch.bool, as torch.bool does)
long, double = int64, float64

__all__ = ["get_num_threads", "set_num_threads", *_MODULE_OF,
           "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8",
           "bool", "long", "double"]


def __getattr__(name):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'tinytorch' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
