"""Bad input across every module: each call must fail at once with the expected error type, a
message that names the operation or layer and the shapes or values involved, raised by tinytorch
itself (never a raw error from deep inside NumPy), and must leave nothing half changed.

Each row: (what is wrong, the call, the exception type, a regular expression the message must match).
"""

import re

import numpy as np
import pytest

import tinytorch
from tinytorch import (
    SGD, Adam, BCEWithLogitsLoss, BinaryCrossEntropyLoss, CosineAnnealingLR, CrossEntropyLoss, DataLoader,
    Dropout, GELU, Linear, LogSoftmax, ModuleList, MSELoss, Parameter, ReLU, Sequential, Sigmoid, Softmax,
    StepLR, Tanh, Tensor, TensorDataset,
)
from tinytorch.core.autograd import gradcheck
from tinytorch.core.dataloader import collate
from tinytorch.core.layers import Module, lecun_normal, xavier_uniform
from tinytorch.core.spatial import (
    AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Flatten, MaxPool2d, batch_norm, conv2d, max_pool2d,
)
from tinytorch.core.training import CheckpointError, clip_grad_norm, load_checkpoint, save_checkpoint
from tinytorch.core.embeddings import Embedding, PositionalEmbedding, SinusoidalPositionalEncoding, embedding
from tinytorch.core.attention import MultiHeadAttention, causal_mask, scaled_dot_product_attention
from tinytorch.core.transformers import GPT, LayerNorm, TransformerBlock

# Built inside each call, never at import: in a student release a module may still be a stub.
def M():
    return Tensor(np.ones((2, 3)))  # a plain matrix


def W():
    return Tensor(np.ones((2, 3)), requires_grad=True)  # a leaf that requires grad


def INTS():
    return Tensor(np.array([1, 2, 3]))


def _module_with_buffer():
    module = Linear(2, 2)
    module.register_buffer("count", Tensor(np.array([0])))
    return module


def _sgd():
    return SGD([Tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)


class _NoForwardState(Module):
    def __init__(self):
        self.weight = Parameter(np.zeros(2))


TENSOR = [
    ("a string", lambda: Tensor("abc"), TypeError, r"Tensor data must be numbers, got the string 'abc'"),
    ("ragged rows", lambda: Tensor([[1, 2], [3]]), ValueError, r"rectangular.*\[\[1, 2\], \[3\]\]"),
    ("complex numbers", lambda: Tensor([1 + 2j]), TypeError, r"Tensor data must be numbers.*complex128"),
    ("None inside", lambda: Tensor([None, 1.0]), TypeError, r"Tensor data must be numbers.*object"),
    ("a dict", lambda: Tensor({"a": 1}), TypeError, r"Tensor data must be numbers.*object"),
    ("dtype=str", lambda: Tensor([1.0], dtype=str), TypeError, r"Tensor: dtype <U\d* is not supported"),
    ("complex dtype", lambda: Tensor([1.0], dtype=np.complex64), TypeError, r"Tensor: dtype complex64 is not supported"),
    ("object dtype", lambda: Tensor([1.0], dtype=object), TypeError, r"Tensor: dtype object is not supported"),
    ("a made-up dtype", lambda: Tensor([1.0], dtype="floaty"), TypeError, r"Tensor: 'floaty' is not a dtype"),
    ("requires_grad='yes'", lambda: Tensor([1.0], requires_grad="yes"), TypeError, r"requires_grad must be True or False, got 'yes'"),
    ("requires_grad=1", lambda: Tensor([1.0], requires_grad=1), TypeError, r"requires_grad must be True or False, got 1"),
    ("integers requiring grad", lambda: Tensor(np.array([1, 2]), requires_grad=True), TypeError, r"only floating-point tensors can require gradients, got dtype int64"),
    ("add, shapes", lambda: Tensor([1.0, 2.0]) + Tensor([1.0, 2.0, 3.0]), ValueError, r"add: shapes \(2,\) and \(3,\) cannot be broadcast"),
    ("sub, shapes", lambda: M() - Tensor(np.ones((3, 2))), ValueError, r"sub: shapes \(2, 3\) and \(3, 2\)"),
    ("mul, shapes", lambda: M() * Tensor(np.ones(2)), ValueError, r"mul: shapes \(2, 3\) and \(2,\)"),
    ("div, shapes", lambda: M() / Tensor(np.ones(4)), ValueError, r"div: shapes \(2, 3\) and \(4,\)"),
    ("pow, shapes", lambda: M() ** Tensor(np.ones(5)), ValueError, r"pow: shapes \(2, 3\) and \(5,\)"),
    ("integer to a negative power", lambda: INTS() ** -1, ValueError, r"pow: Integers to negative integer powers are not allowed"),
    ("add a string", lambda: M() + "a", TypeError, r"add: cannot combine a Tensor with 'a'"),
    ("multiply by None", lambda: M() * None, TypeError, r"mul: cannot combine a Tensor with None"),
    ("add a ragged list", lambda: M() + [[1.0], [2.0, 3.0]], TypeError, r"add: cannot combine a Tensor with .*rectangular"),
    ("negate a bool tensor", lambda: -Tensor([True, False]), TypeError, r"neg: negating a bool tensor"),
    ("matmul, inner sizes", lambda: M() @ Tensor(np.ones((4, 5))), ValueError, r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned"),
    ("matmul, a scalar", lambda: M() @ Tensor(2.0), ValueError, r"matmul: both operands need at least 1 dimension, got shapes \(2, 3\) and \(\)"),
    ("matmul, batch axes", lambda: Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5))), ValueError, r"matmul: batch axes of shapes \(2, 3, 4\) and \(3, 4, 5\)"),
    ("sum, axis out of range", lambda: M().sum(dim=2), ValueError, r"sum: dimension 2 is out of range for a tensor with 2 dimensions"),
    ("sum, float axis", lambda: M().sum(dim=1.5), TypeError, r"sum: a dimension must be an integer, got 1.5"),
    ("sum, repeated axis", lambda: M().sum(dim=(0, -2)), ValueError, r"sum: dimension \(0, -2\) names an axis twice"),
    ("sum, dim and axis", lambda: M().sum(dim=0, axis=0), TypeError, r"sum: give dim= or axis=, not both"),
    ("mean of integers", lambda: INTS().mean(), TypeError, r"mean: needs a floating-point tensor, got int64"),
    ("mean of nothing", lambda: Tensor(np.ones((0, 3))).mean(), ValueError, r"mean: cannot average an empty tensor of shape \(0, 3\)"),
    ("amax of nothing", lambda: Tensor(np.ones(0)).amax(), ValueError, r"amax: an empty tensor of shape \(0,\)"),
    ("max over two axes", lambda: M().max(dim=(0, 1)), TypeError, r"max: takes one dimension; use amax/amin"),
    ("argmax of nothing", lambda: Tensor(np.ones(0)).argmax(), ValueError, r"argmax: an empty tensor"),
    ("argmin, axis out of range", lambda: M().argmin(dim=-3), ValueError, r"argmin: dimension -3 is out of range"),
    ("logsumexp, axis out of range", lambda: M().logsumexp(dim=5), ValueError, r"logsumexp: dimension 5 is out of range"),
    ("reshape, element count", lambda: M().reshape(4, 2), ValueError, r"reshape: cannot view a tensor of shape \(2, 3\) \(6 elements\) as shape \(4, 2\)"),
    ("reshape, two -1", lambda: M().reshape(-1, -1), ValueError, r"reshape: cannot view a tensor of shape \(2, 3\)"),
    ("reshape, not integers", lambda: M().reshape("a", 3), TypeError, r"reshape: sizes must be integers"),
    ("view after transpose", lambda: Tensor(np.ones((2, 3, 4))).transpose(0, 2).view(-1), ValueError, r"view: .*\(4, 3, 2\).*without a copy; use reshape\(\)"),
    ("view, element count", lambda: M().view(7), ValueError, r"view: cannot view a tensor of shape \(2, 3\) \(6 elements\) as shape \(7,\)"),
    ("permute, repeated axis", lambda: M().permute(0, 0), ValueError, r"permute: \(0, 0\) does not name each of the 2 axes of shape \(2, 3\)"),
    ("permute, too few axes", lambda: Tensor(np.ones((2, 3, 4))).permute(1, 0), ValueError, r"permute: \(1, 0\) does not name each of the 3 axes"),
    ("permute, axis out of range", lambda: M().permute(0, 2), ValueError, r"permute: dimension 2 is out of range"),
    ("transpose, axis out of range", lambda: M().transpose(0, 2), ValueError, r"transpose: dimension 2 is out of range for a tensor with 2 dimensions"),
    ("transpose, three axes", lambda: Tensor(np.ones((2, 3, 4))).transpose(1, 0, 2), TypeError, r"transpose\(\) takes 3 positional arguments"),
    ("mT of a vector", lambda: Tensor([1.0, 2.0]).mT, ValueError, r"mT: needs at least 2 dimensions, got shape \(2,\)"),
    ("unsqueeze, out of range", lambda: M().unsqueeze(4), ValueError, r"unsqueeze: dimension 4 is out of range"),
    ("squeeze, out of range", lambda: M().squeeze(3), ValueError, r"squeeze: dimension 3 is out of range"),
    ("flatten, backwards", lambda: Tensor(np.ones((2, 3, 4))).flatten(2, 1), ValueError, r"flatten: start_dim 2 comes after end_dim 1 for shape \(2, 3, 4\)"),
    ("expand, fewer axes", lambda: M().expand(3), ValueError, r"expand: shape \(3,\) has fewer axes than the tensor's shape \(2, 3\)"),
    ("expand, a length that is not 1", lambda: M().expand(4, 3), ValueError, r"broadcast_to: shape \(2, 3\) cannot be broadcast to \(4, 3\)"),
    ("expand, -1 in front", lambda: M().expand(-1, 2, 3), ValueError, r"expand: -1 is not allowed for a new leading axis"),
    ("index out of range", lambda: M()[5], IndexError, r"index: index 5 is out of bounds .* \(tensor shape \(2, 3\)\)"),
    ("index with floats", lambda: M()[Tensor([0.5])], IndexError, r"index: arrays used as indices must be of integer .*tensor shape \(2, 3\)"),
    ("too many indices", lambda: M()[0, 0, 0], IndexError, r"index: too many indices .*tensor shape \(2, 3\)"),
    ("clamp without bounds", lambda: M().clamp(), ValueError, r"clamp: give min, max or both"),
    ("clamp with a string", lambda: M().clamp(min="0"), TypeError, r"clamp: min must be a number, got '0'"),
    ("item of two elements", lambda: Tensor([1.0, 2.0]).item(), ValueError, r"item\(\) needs a tensor with exactly one element, got shape \(2,\)"),
    ("bool of two elements", lambda: bool(Tensor([1.0, 2.0])), ValueError, r"bool\(\) of a tensor .*got shape \(2,\)"),
    ("float of six elements", lambda: float(M()), ValueError, r"float\(\) needs a tensor with exactly one element, got shape \(2, 3\)"),
    ("int of two elements", lambda: int(INTS()[:2]), ValueError, r"int\(\) needs .*shape \(2,\)"),
    ("a float tensor as an index", lambda: [1, 2][Tensor(1.0)], TypeError, r"only integer tensors can be used as an index, this one is float32"),
    ("len of a 0-d tensor", lambda: len(Tensor(1.0)), TypeError, r"len\(\) of a 0-d tensor"),
    ("iterate a 0-d tensor", lambda: iter(Tensor(1.0)), TypeError, r"iteration over a 0-d tensor"),
    ("where, float condition", lambda: tinytorch.where(M(), M(), M()), TypeError, r"where: condition must be a bool tensor .*got dtype float32"),
    ("where, shapes", lambda: tinytorch.where(M() > 0, M(), Tensor(np.ones(4))), ValueError, r"where: shapes \(2, 3\) \(condition\), \(2, 3\) and \(4,\)"),
    ("cat of nothing", lambda: tinytorch.cat([]), ValueError, r"cat: needs at least one tensor"),
    ("cat, shapes", lambda: tinytorch.cat([M(), Tensor(np.ones((2, 4)))]), ValueError, r"cat: tensor 1 has shape \(2, 4\), which does not match \(2, 3\) outside dimension 0"),
    ("cat of a tensor", lambda: tinytorch.cat(M()), TypeError, r"cat: expects a list or tuple of tensors, got Tensor"),
    ("cat of arrays", lambda: tinytorch.cat([M(), np.ones((2, 3))]), TypeError, r"cat: item 1 is ndarray, not a Tensor"),
    ("stack, shapes", lambda: tinytorch.stack([M(), M().T]), ValueError, r"stack: tensor 1 has shape \(3, 2\), tensor 0 has \(2, 3\)"),
    ("zeros, negative size", lambda: tinytorch.zeros(2, -1), ValueError, r"zeros: sizes must not be negative, got \(2, -1\)"),
    ("ones, float size", lambda: tinytorch.ones(2.5), TypeError, r"ones: sizes must be integers, got \(2.5,\)"),
    ("randn, complex dtype", lambda: tinytorch.randn(2, dtype=np.complex64), TypeError, r"randn: dtype complex64 is not supported"),
    ("arange, zero step", lambda: tinytorch.arange(0, 5, 0), ValueError, r"arange: step must not be 0"),
    ("from_numpy of a list", lambda: tinytorch.from_numpy([1, 2]), TypeError, r"from_numpy expects an np.ndarray, got list"),
    ("from_numpy of strings", lambda: tinytorch.from_numpy(np.array(["a"])), TypeError, r"from_numpy: dtype <U1 is not supported"),
    ("manual_seed(-1)", lambda: tinytorch.manual_seed(-1), ValueError, r"manual_seed expects a non-negative integer, got -1"),
    ("manual_seed(1.5)", lambda: tinytorch.manual_seed(1.5), ValueError, r"manual_seed expects a non-negative integer, got 1.5"),
    ("grad as an array", lambda: setattr(Tensor([1.0], requires_grad=True), "grad", np.ones(1)), TypeError, r"a gradient must be a Tensor or None, got ndarray"),
    ("grad of another shape", lambda: setattr(Tensor([1.0, 2.0, 3.0], requires_grad=True), "grad", Tensor([1.0])), ValueError, r"a gradient of shape \(1,\) cannot belong to a tensor of shape \(3,\)"),
    ("grad of another dtype", lambda: setattr(Tensor([1.0], requires_grad=True), "grad", Tensor([1.0], dtype=np.float64)), TypeError, r"a gradient of dtype float64 cannot belong to a tensor of dtype float32"),
    ("requires_grad set to 'yes'", lambda: setattr(Tensor([1.0]), "requires_grad", "yes"), TypeError, r"requires_grad must be True or False, got 'yes'"),
    ("requires_grad on integers", lambda: setattr(Tensor(np.array([1])), "requires_grad", True), TypeError, r"only floating-point tensors can require gradients, this one is int64"),
    ("requires_grad off on a result", lambda: setattr(W() * 2, "requires_grad", False), RuntimeError, r"requires_grad can be changed only on leaf tensors"),
    ("+= on a leaf that requires grad", lambda: W().__iadd__(1), RuntimeError, r"add_ \(\+=\): a leaf tensor that requires grad cannot be changed in place"),
    ("setitem on a leaf that requires grad", lambda: W().__setitem__(0, 1.0), RuntimeError, r"setitem: a leaf tensor that requires grad"),
    ("+= on a graph result", lambda: (W() * 2).__iadd__(1), RuntimeError, r"add_ \(\+=\): tinytorch does not record in-place operations on tensors that are part of a graph"),
    ("+= of a wider shape", lambda: Tensor([1.0, 2.0]).__iadd__(Tensor(np.ones((3, 2)))), ValueError, r"add_ \(\+=\): a value of shape \(3, 2\) cannot be broadcast into shape \(2,\)"),
    ("/= on integers", lambda: Tensor(np.array([4, 6])).__itruediv__(2), TypeError, r"div_ \(/=\): the result of int64 and int64 cannot be stored in this int64 tensor"),
    ("write into an expanded view", lambda: Tensor([1.0]).expand(3).fill_(0.0), RuntimeError, r"fill_: this tensor's memory is read-only .*clone\(\) it first"),
    ("copy_ of another shape", lambda: Tensor([1.0, 2.0]).copy_(Tensor([1.0, 2.0, 3.0])), ValueError, r"copy_: a value of shape \(3,\) cannot be copied into shape \(2,\)"),
    ("maximum of two numbers", lambda: tinytorch.maximum(1, 2), TypeError, r"maximum: needs at least one Tensor, got int and int"),
    ("to a string dtype", lambda: M().to(str), TypeError, r"to: dtype <U\d* is not supported"),
    ("numpy() while requiring grad", lambda: W().numpy(), RuntimeError, r"numpy\(\) on a tensor that requires grad: call .detach\(\).numpy\(\)"),
    ("size(2) of a matrix", lambda: M().size(2), ValueError, r"size: dimension 2 is out of range for a tensor with 2 dimensions"),
]

ACTIVATIONS = [
    ("ReLU of a list", lambda: ReLU()([1.0, 2.0]), TypeError, r"ReLU expects a Tensor, got list"),
    ("Sigmoid of integers", lambda: Sigmoid()(INTS()), TypeError, r"Sigmoid expects a floating-point Tensor, got dtype int64"),
    ("Tanh of a string", lambda: Tanh()("x"), TypeError, r"Tanh expects a Tensor, got str"),
    ("GELU, unknown form", lambda: GELU(approximate="fast"), ValueError, r"GELU approximate must be \"none\" or \"tanh\", got 'fast'"),
    ("Softmax, float dim", lambda: Softmax(dim=1.5), TypeError, r"Softmax dim must be an integer, got 1.5"),
    ("Softmax, dim out of range", lambda: Softmax(dim=2)(Tensor([1.0, 2.0])), ValueError, r"Softmax\(dim=2\) cannot apply to a tensor of shape \(2,\)"),
    ("LogSoftmax, dim out of range", lambda: LogSoftmax(dim=-3)(M()), ValueError, r"LogSoftmax\(dim=-3\) cannot apply to a tensor of shape \(2, 3\)"),
    ("log_softmax method, bad dim", lambda: M().log_softmax(dim=4), ValueError, r"LogSoftmax\(dim=4\) cannot apply to a tensor of shape \(2, 3\)"),
]

LAYERS = [
    ("Linear(0, 3)", lambda: Linear(0, 3), ValueError, r"Linear: in_features must be a positive integer, got 0"),
    ("Linear(3, '4')", lambda: Linear(3, "4"), ValueError, r"Linear: out_features must be a positive integer, got '4'"),
    ("Linear(2.5, 3)", lambda: Linear(2.5, 3), ValueError, r"Linear: in_features must be a positive integer, got 2.5"),
    ("Linear, input width", lambda: Linear(784, 256)(Tensor(np.ones((32, 100)))), ValueError, r"Linear\(784 -> 256\) expects input whose last dimension is 784, got shape \(32, 100\)"),
    ("Linear, a list", lambda: Linear(3, 2)([[1.0, 2.0, 3.0]]), TypeError, r"Linear\(3 -> 2\) expects a Tensor, got list"),
    ("Linear, integers", lambda: Linear(3, 2)(Tensor(np.array([[1, 2, 3]]))), TypeError, r"Linear\(3 -> 2\) expects a floating-point input, got dtype int64"),
    ("Linear, a 0-d input", lambda: Linear(3, 2)(Tensor(1.0)), ValueError, r"Linear\(3 -> 2\) expects input of shape \(\*, 3\), got a 0-d tensor"),
    ("Dropout(1.5)", lambda: Dropout(1.5), ValueError, r"Dropout probability p must be between 0 and 1, got 1.5"),
    ("Dropout(-0.1)", lambda: Dropout(-0.1), ValueError, r"Dropout probability p must be between 0 and 1, got -0.1"),
    ("Dropout('0.5')", lambda: Dropout("0.5"), ValueError, r"Dropout probability p must be between 0 and 1, got '0.5'"),
    ("Dropout(nan)", lambda: Dropout(float("nan")), ValueError, r"Dropout probability p must be between 0 and 1, got nan"),
    ("Dropout.p = 1.5 later", lambda: setattr(Dropout(0.5), "p", 1.5), ValueError, r"Dropout probability p must be between 0 and 1, got 1.5"),
    ("Dropout of a list", lambda: Dropout(0.5)([1.0]), TypeError, r"Dropout\(p=0.5\) expects a Tensor, got list"),
    ("Sequential of a number", lambda: Sequential(Linear(2, 2), 3), TypeError, r"Sequential: layer 1 \(int\) is not callable"),
    ("ModuleList.append of a number", lambda: ModuleList([Linear(2, 2)]).append(3), TypeError, r"ModuleList.append: int is not callable"),
    ("ModuleList called", lambda: ModuleList([Linear(2, 2)])(M()), NotImplementedError, r"ModuleList has no forward\(\)"),
    ("load_state_dict, a key missing", lambda: Linear(4, 2).load_state_dict({"weight": np.zeros((4, 2))}), KeyError, r"Linear.load_state_dict: missing keys \['bias'\], unexpected keys \[\]"),
    ("load_state_dict, an extra key", lambda: Linear(1, 1).load_state_dict({"weight": np.zeros((1, 1)), "bias": np.zeros(1), "extra": np.ones(1)}), KeyError, r"unexpected keys \['extra'\]"),
    ("load_state_dict, a shape", lambda: Linear(4, 2).load_state_dict({"weight": np.zeros((2, 4)), "bias": np.zeros(2)}), ValueError, r"Linear.load_state_dict: 'weight' has shape \(2, 4\), the module expects \(4, 2\)"),
    ("load_state_dict, strings", lambda: Linear(1, 1).load_state_dict({"weight": np.array([["a"]]), "bias": np.zeros(1)}), TypeError, r"Linear.load_state_dict: 'weight' holds dtype <U1, not numbers"),
    ("load_state_dict, ragged", lambda: Linear(1, 2).load_state_dict({"weight": [[1.0, 2.0], [3.0]], "bias": np.zeros(2)}), ValueError, r"Linear.load_state_dict: 'weight' is not a rectangular array of numbers"),
    ("load_state_dict, floats into an int buffer", lambda: _module_with_buffer().load_state_dict({**_module_with_buffer().state_dict(), "count": np.array([0.5])}), TypeError, r"'count' holds float64, which cannot become int64"),
    ("load_state_dict, not a dict", lambda: Linear(1, 1).load_state_dict([np.zeros((1, 1))]), TypeError, r"Linear.load_state_dict: expects a dict of arrays, got list"),
    ("register_buffer, dotted name", lambda: Linear(1, 1).register_buffer("a.b", Tensor([1.0])), ValueError, r"Linear.register_buffer: the name must be a Python identifier, got 'a.b'"),
    ("register_buffer, a Parameter", lambda: Linear(1, 1).register_buffer("extra", Parameter([1.0])), TypeError, r"Linear.register_buffer: 'extra' must be a Tensor \(not a Parameter\) or None, got Parameter"),
    ("register_buffer over a parameter", lambda: Linear(1, 1).register_buffer("weight", Tensor([1.0])), KeyError, r"attribute 'weight' already exists and is not a buffer"),
    ("a plain tensor over a parameter", lambda: setattr(Linear(2, 2), "weight", Tensor(np.ones((2, 2)))), TypeError, r"Linear.weight is a Parameter; assign a Parameter \(or None\), not a plain Tensor"),
    ("a module without forward", lambda: _NoForwardState()(M()), NotImplementedError, r"_NoForwardState does not define forward\(\)"),
    ("Parameter of integers", lambda: Parameter(np.array([1, 2])), TypeError, r"only floating-point tensors can require gradients, got dtype int64"),
    ("lecun_normal(0, 3)", lambda: lecun_normal(0, 3), ValueError, r"lecun_normal: fan_in must be a positive integer, got 0"),
    ("xavier_uniform(3, -1)", lambda: xavier_uniform(3, -1), ValueError, r"xavier_uniform: fan_out must be a positive integer, got -1"),
]

LOSSES = [
    ("MSE, shapes", lambda: MSELoss()(Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 2.0])), ValueError, r"MSELoss: predictions have shape \(3,\) but targets have shape \(2,\)"),
    ("MSE, NaN predictions", lambda: MSELoss()(Tensor([1.0, np.nan]), Tensor([1.0, 2.0])), ValueError, r"MSELoss: predictions contain 1 NaN or infinite value"),
    ("MSE, NaN targets", lambda: MSELoss()(Tensor([1.0, 2.0]), Tensor([1.0, np.nan])), ValueError, r"MSELoss: targets contain NaN or infinite values"),
    ("MSE, string targets", lambda: MSELoss()(Tensor([1.0]), np.array(["a"])), TypeError, r"MSELoss: targets must be numbers, got dtype <U1"),
    ("MSE, integer predictions", lambda: MSELoss()(INTS(), INTS()), TypeError, r"MSELoss expects floating-point predictions, got dtype int64"),
    ("MSE, a list", lambda: MSELoss()([1.0], [1.0]), TypeError, r"MSELoss expects predictions as a Tensor, got list"),
    ("cross-entropy, a label too large", lambda: CrossEntropyLoss()(M(), np.array([0, 3])), ValueError, r"CrossEntropyLoss: class targets must lie in 0..2, got \[3\]"),
    ("cross-entropy, a negative label", lambda: CrossEntropyLoss()(M(), np.array([-1, 0])), ValueError, r"class targets must lie in 0..2, got \[-1\]"),
    ("cross-entropy, fractional labels", lambda: CrossEntropyLoss()(M(), np.array([0.5, 1.0])), ValueError, r"CrossEntropyLoss: class targets must be whole numbers"),
    ("cross-entropy, batch sizes", lambda: CrossEntropyLoss()(M(), np.array([0, 1, 2])), ValueError, r"CrossEntropyLoss: logits hold a batch of 2 but targets have shape \(3,\)"),
    ("cross-entropy, 1-D logits", lambda: CrossEntropyLoss()(Tensor([1.0, 2.0]), np.array([0])), ValueError, r"CrossEntropyLoss.*\(2,\)"),
    ("cross-entropy, infinite logits", lambda: CrossEntropyLoss()(Tensor([[np.inf, 0.0]]), np.array([0])), ValueError, r"CrossEntropyLoss: predictions contain 1 NaN or infinite value"),
    ("BCE, a probability above 1", lambda: BinaryCrossEntropyLoss()(Tensor([0.5, 1.5]), Tensor([0.0, 1.0])), ValueError, r"BinaryCrossEntropyLoss expects probabilities in \[0, 1\], got values from 0.5 to 1.5"),
    ("BCE, a target below 0", lambda: BinaryCrossEntropyLoss()(Tensor([0.5]), Tensor([-1.0])), ValueError, r"BinaryCrossEntropyLoss expects targets in \[0, 1\]"),
    ("BCE with logits, shapes", lambda: BCEWithLogitsLoss()(Tensor([0.5, 1.0]), Tensor([1.0])), ValueError, r"BCEWithLogitsLoss: predictions have shape \(2,\) but targets have shape \(1,\)"),
    ("an unknown reduction", lambda: MSELoss(reduction="avg"), ValueError, r"MSELoss: reduction must be one of .*got 'avg'"),
]


def _backward_twice():
    w = W()
    loss = (w * w).sum()
    loss.backward()
    loss.backward()


AUTOGRAD = [
    ("backward of a constant", lambda: (M() * 2).sum().backward(), RuntimeError, r"backward\(\): this tensor does not require grad"),
    ("backward of a matrix", lambda: (W() * 2).backward(), RuntimeError, r"backward\(\): a gradient can be implied only for a single number; this tensor has shape \(2, 3\)"),
    ("backward, gradient shape", lambda: (W() * 2).backward(Tensor(np.ones(3))), ValueError, r"backward\(\): gradient has shape \(3,\), the tensor has shape \(2, 3\)"),
    ("backward twice", _backward_twice, RuntimeError, r"backward\(\): the graph through 'sum' was already used .*retain_graph=True"),
    ("backward through an op with no rule", lambda: Tensor.from_op(W().data.sum(), "mystery", (W(),)).backward(), RuntimeError, r"backward\(\): operation 'mystery' has no gradient rule"),
    ("gradcheck in float32", lambda: gradcheck(lambda a: a * 2, Tensor([1.0], requires_grad=True)), TypeError, r"gradcheck: input 0 must be a float64 Tensor with requires_grad=True"),
]

OPTIMIZERS = [
    ("no parameters", lambda: SGD([], lr=0.1), ValueError, r"SGD got no parameters to optimize"),
    ("a negative rate", lambda: SGD([W()], lr=-0.1), ValueError, r"SGD: lr must be a non-negative number, got -0.1"),
    ("a NaN rate", lambda: Adam([W()], lr=float("nan")), ValueError, r"Adam: lr must be a non-negative number, got nan"),
    ("a string rate", lambda: SGD([W()], lr="0.1"), ValueError, r"SGD: lr must be a non-negative number, got '0.1'"),
    ("negative momentum", lambda: SGD([W()], momentum=-0.5), ValueError, r"SGD: momentum must be a non-negative number, got -0.5"),
    ("Nesterov without momentum", lambda: SGD([W()], nesterov=True), ValueError, r"SGD: nesterov=True needs a momentum above 0"),
    ("nesterov='yes'", lambda: SGD([W()], momentum=0.9, nesterov="yes"), TypeError, r"SGD: nesterov must be True or False, got 'yes'"),
    ("betas=0.9", lambda: Adam([W()], betas=0.9), ValueError, r"Adam: betas must be a pair of numbers in \[0, 1\), got 0.9"),
    ("a beta of 1", lambda: Adam([W()], betas=(0.9, 1.0)), ValueError, r"Adam: betas must be a pair of numbers in \[0, 1\), got \(0.9, 1.0\)"),
    ("three betas", lambda: Adam([W()], betas=(0.9, 0.99, 0.5)), ValueError, r"Adam: betas must be a pair"),
    ("negative eps", lambda: Adam([W()], eps=-1e-8), ValueError, r"Adam: eps must be a non-negative number"),
    ("an array as a parameter", lambda: SGD([np.ones(3)]), TypeError, r"SGD: parameter 0 is a ndarray, not a Tensor"),
    ("an integer parameter", lambda: SGD([INTS()]), TypeError, r"SGD: parameter 0 has dtype int64, not floating point"),
    ("a computed tensor", lambda: SGD([W() * 2]), ValueError, r"SGD: parameter 0 was computed by an operation; only leaf tensors can be optimized"),
    ("the same parameter twice", lambda: (lambda w: SGD([w, w]))(W()), ValueError, r"SGD: parameter 1 appears twice"),
    ("a single tensor", lambda: SGD(W()), TypeError, r"SGD: params must be an iterable of tensors \(or of dicts\), got a single Tensor"),
    ("a group without params", lambda: SGD([{"lr": 0.1}]), TypeError, r"SGD: a parameter group must be a dict with a 'params' entry"),
    ("a group with an unknown setting", lambda: SGD([{"params": [W()], "betas": (0.9, 0.9)}]), ValueError, r"SGD: unknown hyperparameters \['betas'\]"),
    ("an empty group", lambda: SGD([{"params": []}]), ValueError, r"SGD: parameter group 0 has no parameters"),
    ("load_state_dict of garbage", lambda: _sgd().load_state_dict({"state": []}), ValueError, r"SGD.load_state_dict: expected a dict with 'state' \(a dict\) and 'param_groups' \(a list\)"),
    ("load_state_dict of another optimizer", lambda: _sgd().load_state_dict(Adam([Tensor([1.0], requires_grad=True)]).state_dict()), ValueError, r"SGD.load_state_dict: group 0 has hyperparameters"),
]

TRAINING = [
    ("clip to 0", lambda: clip_grad_norm([W()], 0), ValueError, r"clip_grad_norm: max_norm must be a positive number, got 0"),
    ("clip to a string", lambda: clip_grad_norm([W()], "1"), ValueError, r"clip_grad_norm: max_norm must be a positive number, got '1'"),
    ("StepLR(step_size=0)", lambda: StepLR(_sgd(), 0), ValueError, r"StepLR: step_size must be a positive integer, got 0"),
    ("StepLR(gamma=1.5)", lambda: StepLR(_sgd(), 2, gamma=1.5), ValueError, r"StepLR: gamma must be in \(0, 1\], got 1.5"),
    ("StepLR(gamma='a')", lambda: StepLR(_sgd(), 2, gamma="a"), ValueError, r"StepLR: gamma must be in \(0, 1\], got 'a'"),
    ("CosineAnnealingLR(T_max=0)", lambda: CosineAnnealingLR(_sgd(), 0), ValueError, r"CosineAnnealingLR: T_max must be a positive integer, got 0"),
    ("CosineAnnealingLR(eta_min=-1)", lambda: CosineAnnealingLR(_sgd(), 3, eta_min=-1), ValueError, r"CosineAnnealingLR: eta_min must be non-negative, got -1"),
    ("CosineAnnealingLR(eta_min='0')", lambda: CosineAnnealingLR(_sgd(), 3, eta_min="0"), ValueError, r"CosineAnnealingLR: eta_min must be non-negative, got '0'"),
    ("schedule state of another optimizer", lambda: StepLR(_sgd(), 2).load_state_dict({"epoch": 1, "base_lrs": [0.1, 0.2]}), ValueError, r"StepLR.load_state_dict: epoch 1 and base rates \[0.1, 0.2\] do not fit an optimizer with 1 parameter group"),
    ("schedule state without epoch", lambda: StepLR(_sgd(), 2).load_state_dict({"base_lrs": [0.1]}), ValueError, r"StepLR.load_state_dict: expected 'epoch'"),
    ("a checkpoint that is not there", lambda: load_checkpoint("/nonexistent/run.npz", Linear(1, 1)), CheckpointError, r"checkpoint /nonexistent/run.npz: no such file"),
    ("a negative epoch", lambda: save_checkpoint("/nonexistent/run.npz", Linear(1, 1), epoch=-1), ValueError, r"save_checkpoint: epoch must be a non-negative integer, got -1"),
]

DATA = [
    ("batch_size=0", lambda: DataLoader([1, 2, 3], batch_size=0), ValueError, r"DataLoader: batch_size must be a positive integer, got 0"),
    ("batch_size=2.5", lambda: DataLoader([1, 2, 3], batch_size=2.5), ValueError, r"DataLoader: batch_size must be a positive integer, got 2.5"),
    ("shuffle='yes'", lambda: DataLoader([1, 2, 3], shuffle="yes"), TypeError, r"DataLoader: shuffle must be True or False, got 'yes'"),
    ("a number as data", lambda: DataLoader(42), TypeError, r"DataLoader expects a data set: .*got int"),
    ("an empty list", lambda: DataLoader([]), ValueError, r"DataLoader: the dataset list is empty"),
    ("TensorDataset()", lambda: TensorDataset(), ValueError, r"TensorDataset needs at least one tensor"),
    ("TensorDataset, lengths", lambda: TensorDataset(Tensor(np.ones((4, 2))), Tensor(np.ones(3))), ValueError, r"TensorDataset: all tensors need the same first dimension .*\(4, 2\), \(3,\)"),
    ("TensorDataset of an array", lambda: TensorDataset(np.ones(3)), TypeError, r"TensorDataset: argument 0 is a ndarray, not a Tensor"),
    ("TensorDataset, index 10 of 4", lambda: TensorDataset(Tensor(np.ones(4)))[10], IndexError, r"TensorDataset of 4 samples: index 10 is out of bounds"),
    ("collate, shapes", lambda: collate([np.ones(2), np.ones(3)]), ValueError, r"collate: cannot stack a batch whose samples have different shapes \[\(2,\), \(3,\)\]"),
    ("collate, strings", lambda: collate([("a", 1), ("b", 2)]), TypeError, r"collate field 0 of sample\[0\] is a str"),
    ("collate, mixed structure", lambda: collate([(1, 2), [1, 2]]), TypeError, r"collate\[1\] is a list of \(int, int\), but sample 0 is a tuple"),
]


def IMAGES(*shape):
    return Tensor(np.ones(shape))  # float32 images


CONV = r"Conv2d\(3, 16, kernel_size=\(3, 3\), stride=\(1, 1\)\)"
SPATIAL = [
    ("Conv2d, wrong channel count", lambda: Conv2d(3, 16, 3)(IMAGES(8, 1, 28, 28)), ValueError, CONV + r" expects 3 input channels, shape \(N, 3, H, W\), got shape \(8, 1, 28, 28\)"),
    ("Conv2d, one image with the wrong channels", lambda: Conv2d(3, 16, 3)(IMAGES(1, 28, 28)), ValueError, CONV + r" expects 3 input channels.*got shape \(1, 28, 28\)"),
    ("Conv2d, input smaller than the kernel", lambda: Conv2d(1, 6, 5)(IMAGES(2, 1, 4, 4)), ValueError, r"Conv2d\(1, 6, kernel_size=\(5, 5\), stride=\(1, 1\)\): the kernel \(5, 5\) is larger than the input's height and width \(4, 4\) with padding \(0, 0\), \(4, 4\); got input of shape \(2, 1, 4, 4\)"),
    ("Conv2d, kernel wider than the input", lambda: Conv2d(3, 4, (3, 9), padding=(0, 1))(IMAGES(1, 3, 10, 6)), ValueError, r"the kernel \(3, 9\) is larger than the input's height and width \(10, 6\) with padding \(0, 1\), \(10, 8\); got input of shape \(1, 3, 10, 6\)"),
    ("Conv2d, a 2-D input", lambda: Conv2d(1, 6, 5)(IMAGES(28, 28)), ValueError, r"Conv2d\(1, 6, .*\) expects a 4-D input \(N, 1, H, W\) or one image \(1, H, W\), got shape \(28, 28\)"),
    ("Conv2d, a 5-D input", lambda: Conv2d(3, 16, 3)(IMAGES(2, 2, 3, 8, 8)), ValueError, CONV + r" expects a 4-D input \(N, 3, H, W\).*got shape \(2, 2, 3, 8, 8\)"),
    ("Conv2d, flattened images", lambda: Conv2d(1, 6, 5)(IMAGES(32, 784)), ValueError, r"expects a 4-D input \(N, 1, H, W\).*got shape \(32, 784\)"),
    ("Conv2d, negative padding", lambda: Conv2d(1, 6, 3, padding=-1), ValueError, r"Conv2d: padding must be an integer >= 0 or a pair of them, got -1"),
    ("Conv2d, negative padding in a pair", lambda: Conv2d(1, 6, 3, padding=(1, -2)), ValueError, r"Conv2d: padding must be an integer >= 0 or a pair of them, got \(1, -2\)"),
    ("Conv2d, kernel_size 0", lambda: Conv2d(1, 6, 0), ValueError, r"Conv2d: kernel_size must be an integer >= 1 or a pair of them, got 0"),
    ("Conv2d, three kernel sizes", lambda: Conv2d(1, 6, (3, 3, 3)), ValueError, r"Conv2d: kernel_size must be an integer >= 1 or a pair of them, got \(3, 3, 3\)"),
    ("Conv2d, stride 0", lambda: Conv2d(1, 6, 3, stride=(1, 0)), ValueError, r"Conv2d: stride must be an integer >= 1 or a pair of them, got \(1, 0\)"),
    ("Conv2d, a float kernel size", lambda: Conv2d(1, 6, 2.5), ValueError, r"Conv2d: kernel_size must be an integer >= 1 or a pair of them, got 2.5"),
    ("Conv2d, no input channels", lambda: Conv2d(0, 6, 3), ValueError, r"Conv2d: in_channels must be a positive integer, got 0"),
    ("Conv2d, integer images", lambda: Conv2d(1, 6, 3)(Tensor(np.ones((2, 1, 8, 8), dtype=np.int64))), TypeError, r"Conv2d\(1, 6, .*\) expects a floating-point input, got dtype int64"),
    ("Conv2d, a NumPy array", lambda: Conv2d(1, 6, 3)(np.ones((2, 1, 8, 8))), TypeError, r"Conv2d\(1, 6, .*\) expects a Tensor, got ndarray"),
    ("conv2d, dtypes differ", lambda: conv2d(Tensor(np.ones((1, 1, 5, 5)), dtype=np.float64), Tensor(np.ones((2, 1, 3, 3)))), TypeError, r"conv2d with weight of shape \(2, 1, 3, 3\): the input is float64 but the weight is float32"),
    ("conv2d, a 3-D weight", lambda: conv2d(IMAGES(1, 1, 5, 5), Tensor(np.ones((2, 3, 3)))), ValueError, r"conv2d expects a 4-D weight Tensor \(O, C, KH, KW\), got \(2, 3, 3\)"),
    ("conv2d, bias of the wrong length", lambda: conv2d(IMAGES(1, 1, 5, 5), IMAGES(2, 1, 3, 3), IMAGES(3)), ValueError, r"conv2d with weight of shape \(2, 1, 3, 3\): the bias must be a Tensor of shape \(2,\), got \(3,\)"),
    ("MaxPool2d, padding over half the kernel", lambda: MaxPool2d(2, padding=2), ValueError, r"MaxPool2d: padding \(2, 2\) must be at most half of the kernel size \(2, 2\)"),
    ("MaxPool2d, window larger than the image", lambda: MaxPool2d(5)(IMAGES(1, 2, 4, 4)), ValueError, r"MaxPool2d\(kernel_size=5, stride=5, padding=0\): the kernel \(5, 5\) is larger than the input's height and width \(4, 4\).*\(1, 2, 4, 4\)"),
    ("MaxPool2d, a 2-D input", lambda: MaxPool2d(2)(IMAGES(8, 8)), ValueError, r"MaxPool2d\(kernel_size=2, stride=2, padding=0\) expects a 4-D input \(N, C, H, W\) or one image \(C, H, W\), got shape \(8, 8\)"),
    ("max_pool2d, kernel 0", lambda: max_pool2d(IMAGES(1, 1, 4, 4), 0), ValueError, r"max_pool2d: kernel_size must be an integer >= 1 or a pair of them, got 0"),
    ("AvgPool2d, negative stride", lambda: AvgPool2d(3, stride=-1), ValueError, r"AvgPool2d: stride must be an integer >= 1 or a pair of them, got -1"),
    ("AvgPool2d, negative padding", lambda: AvgPool2d(3, padding=-1), ValueError, r"AvgPool2d: padding must be an integer >= 0 or a pair of them, got -1"),
    ("Flatten, a float dimension", lambda: Flatten(1.5), ValueError, r"Flatten: start_dim must be an integer, got 1.5"),
    ("Flatten, start after end", lambda: Flatten(2, 1)(IMAGES(2, 3, 4, 5)), ValueError, r"flatten: start_dim 2 comes after end_dim 1 for shape \(2, 3, 4, 5\)"),
    ("BatchNorm2d(0)", lambda: BatchNorm2d(0), ValueError, r"BatchNorm2d: num_features must be a positive integer, got 0"),
    ("BatchNorm2d(-3)", lambda: BatchNorm2d(-3), ValueError, r"BatchNorm2d: num_features must be a positive integer, got -3"),
    ("BatchNorm2d(2.5)", lambda: BatchNorm2d(2.5), ValueError, r"BatchNorm2d: num_features must be a positive integer, got 2.5"),
    ("BatchNorm1d(True)", lambda: BatchNorm1d(True), ValueError, r"BatchNorm1d: num_features must be a positive integer, got True"),
    ("BatchNorm2d, eps 0", lambda: BatchNorm2d(3, eps=0), ValueError, r"BatchNorm2d: eps must be a positive number, got 0"),
    ("BatchNorm2d, momentum 1.5", lambda: BatchNorm2d(3, momentum=1.5), ValueError, r"BatchNorm2d: momentum must be a number from 0 to 1, or None, got 1.5"),
    ("BatchNorm2d, wrong channel count", lambda: BatchNorm2d(16)(IMAGES(8, 3, 4, 4)), ValueError, r"BatchNorm2d\(16, eps=1e-05, momentum=0.1\) expects input of shape \(N, 16, H, W\), got shape \(8, 3, 4, 4\)"),
    ("BatchNorm2d, one image", lambda: BatchNorm2d(3)(IMAGES(3, 4, 4)), ValueError, r"BatchNorm2d\(3, .*\) expects input of shape \(N, 3, H, W\), got shape \(3, 4, 4\)"),
    ("BatchNorm1d, wrong feature count", lambda: BatchNorm1d(4)(IMAGES(8, 3)), ValueError, r"BatchNorm1d\(4, .*\) expects input of shape \(N, 4\) or \(N, 4, L\), got shape \(8, 3\)"),
    ("BatchNorm2d, one value per channel", lambda: BatchNorm2d(3)(IMAGES(1, 3, 1, 1)), ValueError, r"BatchNorm2d\(3, .*\): training needs more than one value per channel, got input of shape \(1, 3, 1, 1\)"),
    ("batch_norm of a vector", lambda: batch_norm(IMAGES(6), None, None, IMAGES(6), IMAGES(6), training=True), ValueError, r"batch_norm expects input of shape \(N, C, ...\), got shape \(6,\)"),
    ("batch_norm of integers", lambda: batch_norm(Tensor(np.ones((4, 3), dtype=np.int64)), None, None, IMAGES(3), IMAGES(3), training=True), TypeError, r"batch_norm expects a floating-point Tensor, got int64"),
    ("batch_norm in evaluation without running statistics", lambda: batch_norm(IMAGES(2, 3, 4, 4), None, None, IMAGES(3), IMAGES(3)), ValueError, r"batch_norm: running_mean must be a Tensor of shape \(3,\) for input \(2, 3, 4, 4\), got None"),
]


def QKV(q=(2, 3, 4), k=(2, 3, 4), v=(2, 3, 4)):
    return [Tensor(np.ones(shape)) for shape in (q, k, v)]


def _sdpa(mask=None, **shapes):
    return scaled_dot_product_attention(*QKV(**shapes), mask=mask)


def _gpt():
    return GPT(vocab_size=11, embed_dim=8, num_layers=1, num_heads=2, max_seq_len=8)


_GPT = r"GPT\(vocab_size=11, embed_dim=8, num_layers=1, num_heads=2, max_seq_len=8\)"

EMBEDDINGS = [
    ("a token id past the table", lambda: Embedding(10, 4)(np.array([[1, 10]])), IndexError, r"Embedding\(10, 4\): token id 10 at position \(0, 1\) is out of range; ids must be 0 to 9 \(input shape \(1, 2\)\)"),
    ("a negative token id", lambda: Embedding(10, 4)(np.array([3, -1])), IndexError, r"Embedding\(10, 4\): token id -1 at position \(1,\) is out of range"),
    ("float token ids", lambda: Embedding(10, 4)(Tensor([1.0, 2.0])), TypeError, r"Embedding\(10, 4\) expects integer token ids, got dtype float32"),
    ("bool token ids", lambda: Embedding(10, 4)(np.array([True, False])), TypeError, r"Embedding\(10, 4\) expects integer token ids, got dtype bool"),
    ("embedding_dim=0", lambda: Embedding(10, 0), ValueError, r"Embedding: embedding_dim must be a positive integer, got 0"),
    ("num_embeddings=2.5", lambda: Embedding(2.5, 4), ValueError, r"Embedding: num_embeddings must be a positive integer, got 2.5"),
    ("embedding, a 1-D table", lambda: embedding([0], Tensor(np.ones(3))), ValueError, r"embedding: weight must be a 2-D Tensor \(num_embeddings, embedding_dim\)"),
    ("embedding, an id past the table", lambda: embedding([0, 5], Tensor(np.ones((3, 2)))), IndexError, r"embedding: token id 5 at position \(1,\) is out of range; ids must be 0 to 2"),
    ("positions, longer than max_seq_len", lambda: PositionalEmbedding(8, 4)(Tensor(np.ones((2, 9, 4)))), ValueError, r"PositionalEmbedding\(max_seq_len=8, embed_dim=4\): a sequence of 9 positions is longer than max_seq_len 8 \(input shape \(2, 9, 4\)\)"),
    ("positions, the wrong width", lambda: PositionalEmbedding(8, 4)(Tensor(np.ones((2, 3, 5)))), ValueError, r"PositionalEmbedding\(max_seq_len=8, embed_dim=4\) expects input of shape \(\.\.\., seq, 4\), got shape \(2, 3, 5\)"),
    ("positions added to ids", lambda: SinusoidalPositionalEncoding(8, 4)(Tensor(np.ones((2, 3, 4), dtype=np.int64))), TypeError, r"SinusoidalPositionalEncoding\(max_seq_len=8, embed_dim=4\) expects floating-point vectors, got dtype int64 \(embed the ids first\)"),
    ("sinusoids longer than max_seq_len", lambda: SinusoidalPositionalEncoding(4, 2)(Tensor(np.ones((5, 2)))), ValueError, r"SinusoidalPositionalEncoding\(max_seq_len=4, embed_dim=2\): a sequence of 5 positions is longer than max_seq_len 4"),
    ("max_seq_len=0", lambda: PositionalEmbedding(0, 4), ValueError, r"PositionalEmbedding: max_seq_len must be a positive integer, got 0"),
]

ATTENTION = [
    ("a float mask", lambda: _sdpa(mask=np.zeros((3, 3), dtype=np.float32)), TypeError, r"scaled_dot_product_attention: mask must be a bool tensor where True means 'may attend' .*got dtype float32\. An additive mask \(0 = attend, -inf = blocked\) converts with `mask == 0`"),
    ("an additive causal mask", lambda: _sdpa(mask=Tensor(np.triu(np.full((3, 3), -np.inf), 1))), TypeError, r"mask must be a bool tensor .*got dtype float32"),
    ("an integer 0/1 mask", lambda: _sdpa(mask=np.tril(np.ones((3, 3), dtype=np.int64))), TypeError, r"mask must be a bool tensor .*got dtype int64"),
    ("a mask of the wrong shape", lambda: _sdpa(mask=np.ones((3, 4), dtype=bool)), ValueError, r"scaled_dot_product_attention: mask of shape \(3, 4\) does not broadcast to the attention scores' shape \(2, 3, 3\)"),
    ("a mask with more batch axes than the scores", lambda: _sdpa(mask=np.ones((5, 2, 3, 3), dtype=bool)), ValueError, r"mask of shape \(5, 2, 3, 3\) does not broadcast to the attention scores' shape \(2, 3, 3\)"),
    ("query and key of different widths", lambda: _sdpa(k=(2, 3, 5)), ValueError, r"scaled_dot_product_attention: query and key must have the same feature size .*got query \(2, 3, 4\) and key \(2, 3, 5\)"),
    ("key and value of different lengths", lambda: _sdpa(v=(2, 4, 4)), ValueError, r"key and value must have the same number of positions, got key \(2, 3, 4\) and value \(2, 4, 4\)"),
    ("batch axes that do not broadcast", lambda: _sdpa(k=(3, 3, 4), v=(3, 3, 4)), ValueError, r"the leading \(batch\) axes of query \(2, 3, 4\), key \(3, 3, 4\) and value \(3, 3, 4\) do not broadcast"),
    ("a 1-D query", lambda: _sdpa(q=(4,)), ValueError, r"scaled_dot_product_attention: query must have shape \(\.\.\., positions, features\), got shape \(4,\)"),
    ("integer values", lambda: scaled_dot_product_attention(*QKV()[:2], Tensor(np.ones((2, 3, 4), dtype=np.int64))), TypeError, r"scaled_dot_product_attention: value must be a floating-point tensor, got dtype int64"),
    ("a list as the key", lambda: scaled_dot_product_attention(QKV()[0], [[1.0]], QKV()[2]), TypeError, r"scaled_dot_product_attention: key must be a Tensor, got list"),
    ("embed_dim not divisible by num_heads", lambda: MultiHeadAttention(10, 3), ValueError, r"MultiHeadAttention: embed_dim 10 is not divisible by num_heads 3; .*try num_heads in \[1, 2, 5, 10\]"),
    ("num_heads=0", lambda: MultiHeadAttention(8, 0), ValueError, r"MultiHeadAttention: num_heads must be a positive integer, got 0"),
    ("multi-head attention of a 2-D input", lambda: MultiHeadAttention(8, 2)(Tensor(np.ones((3, 8)))), ValueError, r"MultiHeadAttention\(embed_dim=8, num_heads=2\) expects x of shape \(batch, seq, 8\), got \(3, 8\)"),
    ("multi-head attention, the wrong width", lambda: MultiHeadAttention(8, 2)(Tensor(np.ones((1, 3, 6)))), ValueError, r"expects x of shape \(batch, seq, 8\), got \(1, 3, 6\)"),
    ("multi-head attention, a 1-D mask", lambda: MultiHeadAttention(8, 2)(Tensor(np.ones((1, 3, 8))), mask=np.ones(3, dtype=bool)), ValueError, r"mask must be \(seq, seq\), \(batch, seq, seq\) or \(batch, heads, seq, seq\), got shape \(3,\)"),
    ("multi-head attention, a mask for another length", lambda: MultiHeadAttention(8, 2)(Tensor(np.ones((2, 3, 8))), mask=causal_mask(4)), ValueError, r"mask of shape \(4, 4\) does not broadcast to the attention scores' shape \(2, 2, 3, 3\)"),
    ("causal_mask(0)", lambda: causal_mask(0), ValueError, r"causal_mask: seq_len must be a positive integer, got 0"),
]

TRANSFORMERS = [
    ("a sequence longer than max_seq_len", lambda: _gpt()(np.zeros((1, 9), dtype=np.int64)), ValueError, _GPT + r": a sequence of 9 tokens is longer than max_seq_len 8; crop the context to its last 8 tokens"),
    ("a token id past the vocabulary", lambda: _gpt()(np.array([[1, 2, 11]])), IndexError, r"Embedding\(11, 8\): token id 11 at position \(0, 2\) is out of range; ids must be 0 to 10"),
    ("1-D ids", lambda: _gpt()(np.arange(5)), ValueError, _GPT + r" expects token ids of shape \(batch, seq\), got shape \(5,\)"),
    ("GPT, embed_dim not divisible by num_heads", lambda: GPT(11, 10, 1, 3, 8), ValueError, r"GPT: embed_dim 10 is not divisible by num_heads 3"),
    ("GPT, num_layers=0", lambda: GPT(11, 8, 0, 2, 8), ValueError, r"GPT: num_layers must be a positive integer, got 0"),
    ("generate at temperature 0", lambda: _gpt().generate([1], 5, temperature=0), ValueError, r"generate: temperature must be a positive number, got 0 \(for the most likely token every time, use top_k=1\)"),
    ("generate at temperature nan", lambda: _gpt().generate([1], 5, temperature=float("nan")), ValueError, r"generate: temperature must be a positive number, got nan"),
    ("generate, top_k=0", lambda: _gpt().generate([1], 5, top_k=0), ValueError, r"generate: top_k must be None or an integer from 1 to the vocabulary size 11, got 0"),
    ("generate, top_k past the vocabulary", lambda: _gpt().generate([1], 5, top_k=12), ValueError, r"top_k must be None or an integer from 1 to the vocabulary size 11, got 12"),
    ("generate from an empty prompt", lambda: _gpt().generate([], 5), ValueError, _GPT + r"\.generate: the prompt must be \(seq,\) or \(batch, seq\) with at least one token, got shape \(0,\)"),
    ("generate from an id past the vocabulary", lambda: _gpt().generate([1, 99], 5), IndexError, _GPT + r"\.generate: token id 99 at position \(1,\) is out of range"),
    ("generate -1 tokens", lambda: _gpt().generate([1], -1), ValueError, r"generate: max_new_tokens must be a non-negative integer, got -1"),
    ("LayerNorm, the wrong width", lambda: LayerNorm(8)(Tensor(np.ones((2, 6)))), ValueError, r"layer_norm: expects input whose last dimensions are \(8,\), got shape \(2, 6\)"),
    ("LayerNorm of integers", lambda: LayerNorm(3)(Tensor(np.ones((2, 3), dtype=np.int64))), TypeError, r"layer_norm: expects a floating-point Tensor, got int64"),
    ("LayerNorm(0)", lambda: LayerNorm(0), ValueError, r"LayerNorm: normalized_shape must be a positive int or a tuple of them, got 0"),
    ("LayerNorm, eps=0", lambda: LayerNorm(4, eps=0), ValueError, r"LayerNorm: eps must be positive, got 0"),
    ("a block whose heads do not divide the width", lambda: TransformerBlock(10, 4), ValueError, r"MultiHeadAttention: embed_dim 10 is not divisible by num_heads 4"),
]

SECTIONS = {"01_tensor": TENSOR, "02_activations": ACTIVATIONS, "03_layers": LAYERS, "04_losses": LOSSES,
            "05_autograd": AUTOGRAD, "06_optimizers": OPTIMIZERS, "07_training": TRAINING, "08_dataloader": DATA,
            "09_spatial": SPATIAL, "11_embeddings": EMBEDDINGS, "12_attention": ATTENTION,
            "13_transformers": TRANSFORMERS}
TABLE = [pytest.param(*row, id=row[0], marks=pytest.mark.module(name=module))
         for module, rows in SECTIONS.items() for row in rows]


@pytest.mark.module(name="08_dataloader")
def test_the_table_covers_every_module_with_at_least_120_calls():
    assert len(TABLE) >= 120, len(TABLE)
    assert all(len(rows) >= 6 for rows in SECTIONS.values())


@pytest.mark.parametrize("what, call, error, message", TABLE)
def test_bad_input_fails_clearly(what, call, error, message):
    with pytest.raises(error) as caught:
        call()
    text = str(caught.value.args[0]) if caught.value.args else str(caught.value)
    assert re.search(message, text), f"{what}: the message {text!r} does not match {message!r}"
    innermost = caught.traceback[-1].path
    assert "numpy" not in str(innermost), f"{what}: the error was raised inside NumPy ({innermost}), not by tinytorch"


@pytest.mark.module(name="06_optimizers")
def test_refused_calls_change_nothing():
    """Spot checks that a refused call leaves its objects as they were."""
    layer = Linear(3, 2)
    before = layer.state_dict()
    with pytest.raises(ValueError):
        layer.load_state_dict({"weight": np.ones((3, 2)), "bias": np.ones(3)})
    assert all(np.array_equal(before[key], value) for key, value in layer.state_dict().items())
    dropout = Dropout(0.25)
    with pytest.raises(ValueError):
        dropout.p = 2.0
    assert dropout.p == 0.25
    optimizer = _sgd()
    optimizer.param_groups[0]["params"][0].grad = Tensor([1.0])
    optimizer.step()
    saved = optimizer.state_dict()
    with pytest.raises(ValueError):
        optimizer.load_state_dict({**saved, "state": {0: {"velocity": np.ones(5)}}})
    assert optimizer.state_dict()["state"][0]["velocity"].shape == (1,)
    target = Tensor([1.0, 2.0])
    with pytest.raises(ValueError):
        target += Tensor(np.ones((2, 2)))
    assert np.array_equal(target.data, [1.0, 2.0])
