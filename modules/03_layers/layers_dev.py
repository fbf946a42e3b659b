# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 03: Layers - the building blocks of a network
#
# **You have built**: `Tensor` (Module 01) and the activation functions (Module 02).
#
# **You build now**: `Linear`, the layer that learns, and `Dropout`, the layer that keeps
# it honest; plus the `Module` base class that lets any layer or network list its
# parameters, switch between training and evaluation, and save its weights, and
# `Sequential`, which chains layers into a network.
#
# **This enables**: real multi-layer networks. Module 04 measures how wrong they are
# (losses), Module 05 computes how to change every parameter (autograd).
#
# ```
# Tensor --> Activations --> Layers --> Networks
# (data)     (bends)         (weights)  (a stack of layers)
# ```
#
# By the end you will be able to:
# 1. implement a Linear layer and initialise its weights with a named, justified scheme;
# 2. implement inverted Dropout and explain its 1/(1-p) scaling;
# 3. count a network's parameters and the memory and arithmetic they cost;
# 4. test each layer on its own and the layers together.
#
# **Where the code goes.** You work in `modules/03_layers/layers_dev.py`. Cells marked
# `#| export` go to `tinytorch/core/layers.py`, so afterwards:
#
# ```python
# from tinytorch.core.layers import Linear, Dropout, Sequential   # this module
# from tinytorch.core.tensor import Tensor                         # Module 01
# from tinytorch.core.activations import ReLU                      # Module 02
# ```
#
# This mirrors PyTorch, where `torch.nn` holds every layer type and `torch.Tensor` the data.
# When your tests pass, `tito module complete 03_layers` tests, exports and records it.

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": false}
#| default_exp core.layers
#| export
import numpy as np

from tinytorch.core.tensor import Tensor, default_generator, from_numpy

# %% [markdown]
# ## 1. What is a layer?
#
# A layer is a function with memory. It maps an input tensor to an output tensor, and it
# may own **parameters**: tensors whose values are learned during training.
#
# ```
# input --> [Linear] --> [ReLU] --> [Dropout] --> [Linear] --> scores
#  (batch, 784)  (batch, 256)                        (batch, 10)
#             owns W, b    owns nothing  owns nothing   owns W, b
# ```
#
# - A **Linear** layer computes `y = xW + b`: each output is a weighted sum of all inputs,
#   and training chooses the weights.
# - A **Dropout** layer, while training, zeroes a random part of its input, so that the
#   next layer cannot lean on any single feature.
#
# ## 2. The mathematics
#
# ### Linear
#
# ```
#   x  (batch, in_features)
# @ W  (in_features, out_features)
# + b  (out_features,)            broadcast over the batch
# = y  (batch, out_features)
# ```
#
# Output `j` of sample `i` is `y[i, j] = sum_k x[i, k] * W[k, j] + b[j]`. Note the layout:
# tinytorch stores `W` as `(in, out)` so the forward pass is a plain `x @ W`; PyTorch stores
# the transpose, `(out, in)`, and computes `x @ W.T`. Same numbers, other order.
#
# ### Why initialisation matters
#
# Weights cannot start at zero: every output would then compute the same thing and receive
# the same update, forever (the symmetry is never broken). They start random, and the scale
# of that randomness matters. If each weight has variance `s^2`, an output is a sum of
# `in_features` terms, so its variance is about `in_features * s^2 * Var(x)`.
#
# - Too large a scale and the signal grows layer after layer until it overflows;
#   too small and it shrinks to nothing, and so do the gradients.
# - Choosing `s^2 = 1 / in_features` keeps the variance of each output equal to that of
#   the input. This is **LeCun normal** initialisation (LeCun et al., *Efficient BackProp*,
#   1998), and it is `Linear`'s default.
#
# You will often see this default called "Xavier". That is not quite right: Xavier/Glorot
# (2010) averages both directions, `s^2 = 2 / (in + out)`, to keep the variance of the
# gradients flowing backwards steady too. **Kaiming/He** (2015) uses `s^2 = 2 / in`
# because ReLU zeroes half of its inputs and so halves the variance. All of them are below,
# under their true names.
#
# ### Counting parameters
#
# ```
# Linear(784, 256): 784 x 256 weights + 256 biases = 200,960 parameters
# Linear(256, 10):  256 x 10  weights +  10 biases =   2,570 parameters
# ReLU:             nothing to learn                 =       0
#                                                      -------
#                                                      203,530 parameters
# ```
#
# At 4 bytes per float32, those 203,530 numbers take 814,120 bytes, about 795 KB.

# %% [markdown]
# ## 3. Parameters, buffers and the Module base class
#
# Every layer and every network built from layers needs the same services: list its
# parameters (so an optimizer can update them), switch between training and evaluation
# (Dropout behaves differently in each), clear gradients, and save or load its weights.
# Writing these once, in a base class, means `Linear`, `Dropout` and any network you define
# get them for free.
#
# **What is a parameter?** Not just "a tensor that requires grad". A model can *freeze* a
# weight (`layer.weight.requires_grad = False`, to fine-tune only the last layer, say): the
# frozen weight no longer learns, but it is still part of the model, and a checkpoint must
# still save and restore it. So, as in PyTorch, being a parameter is a matter of *type*:
# a `Parameter` is a `Tensor` subclass that says "this belongs to the model's learned
# state", whatever its `requires_grad`. A plain tensor attribute (a cached constant, say) is
# not a parameter, and operations on parameters give plain tensors.
#
# **What is a buffer?** State that is saved but not trained. BatchNorm's running mean is the
# classic case: it changes during training, but by averaging, not by gradient descent, and
# evaluation needs it. `register_buffer(name, tensor)` records it: `state_dict()` holds the
# buffers beside the parameters, `parameters()` does not list them, so no optimizer touches them.
#
# **How does a module find them?** By looking at its own attributes, in the order they were
# assigned: every attribute holding a `Parameter` is a parameter, every attribute holding a
# `Module` is a child whose parameters are included under dotted names (`"0.weight"`), and
# every name given to `register_buffer` is a buffer. A `Linear` that assigns `weight` then
# `bias` lists them in that order.
#
# ```
# Sequential                         named_parameters()                state_dict()
#  |- 0: Linear(784, 256)   -->  "0.weight" (784, 256), "0.bias"   parameters, then buffers,
#  |- 1: ReLU                    (nothing)                         module by module
#  '- 2: BatchNorm-like     -->  "2.weight", "2.bias"              + "2.running_mean"
# ```
#
# `state_dict()` maps those names to copies of the arrays, and `load_state_dict()` puts
# arrays back. It checks everything (names, shapes, dtypes) before it changes anything, so a
# bad file cannot leave a model half loaded.

# %% nbgrader={"grade": false, "grade_id": "module-base", "solution": true}
#| export
class Parameter(Tensor):
    """A Tensor that a Module registers as learned state (as torch.nn.Parameter).

    `Parameter(tensor)` shares the tensor's memory; any other data is copied, as for Tensor.
    requires_grad defaults to True; a frozen parameter (requires_grad=False) is still a
    parameter: listed by parameters() and saved by state_dict().
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)
        if isinstance(data, Tensor):
            self.data = data.data  # share, as torch.nn.Parameter(tensor) does

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer and network.

    Subclasses assign parameters (`Parameter`s) and child modules as attributes, register
    buffers with `register_buffer`, and define `forward`. Calling the module calls `forward`.
    """

    training = True  # a class default, so subclasses need not call super().__init__()

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __setattr__(self, name, value):
        # As in PyTorch: a registered parameter can be replaced by a Parameter or None, not by
        # a plain tensor, which would silently drop it from parameters() and state_dict().
        if isinstance(getattr(self, name, None), Parameter) and isinstance(value, Tensor) and not isinstance(value, Parameter):
            raise TypeError(
                f"{type(self).__name__}.{name} is a Parameter; assign a Parameter (or None), not a plain "
                "Tensor (to change its values in place, use .data or copy_ under no_grad())"
            )
        object.__setattr__(self, name, value)

    def register_buffer(self, name, tensor, persistent=True):
        """Keep `tensor` as state that is saved (when persistent) but not trained."""
        owner = f"{type(self).__name__}.register_buffer"
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{owner}: the name must be a Python identifier, got {name!r}")
        if tensor is not None and (not isinstance(tensor, Tensor) or isinstance(tensor, Parameter)):
            raise TypeError(f"{owner}: {name!r} must be a Tensor (not a Parameter) or None, got {type(tensor).__name__}")
        if name in vars(self) and name not in self._buffer_names():
            raise KeyError(f"{owner}: attribute {name!r} already exists and is not a buffer")
        self.__dict__.setdefault("_buffers", {})[name] = bool(persistent)
        object.__setattr__(self, name, tensor)

    def _buffer_names(self):
        return self.__dict__.get("_buffers", {})

    def named_children(self):
        """(name, module) for each direct child module, in assignment order."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def children(self):
        return [child for _, child in self.named_children()]

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module ("" for itself) and every module below it,
        depth first, each module once even if it appears in several places."""
        seen, stack = set(), [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child_name}" if name else child_name, child) for child_name, child in module.named_children()]
            stack.extend(reversed(children))

    def modules(self):
        return [module for _, module in self.named_modules()]

    def _own_parameters(self):
        """(name, parameter) for each attribute of this module that holds a Parameter.

        TODO: walk this module's own attributes (`vars(self)`, in assignment order) and
        yield those whose value is a Parameter, whether or not it requires grad.

        EXAMPLE:
        >>> list(Linear(3, 2)._own_parameters())[0][0]
        'weight'
        """
        ### BEGIN SOLUTION
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield name, value
        ### END SOLUTION

    def named_parameters(self, prefix=""):
        """(dotted name, parameter) for every parameter of this module and its children.

        A parameter shared by two layers is listed once, under the first name found.
        """
        seen = set()
        for module_name, module in self.named_modules(prefix.rstrip(".")):
            for name, parameter in module._own_parameters():
                if id(parameter) not in seen:
                    seen.add(id(parameter))
                    yield (f"{module_name}.{name}" if module_name else name), parameter

    def parameters(self):
        """Every parameter, in the order of named_parameters(), as a list."""
        return [tensor for _, tensor in self.named_parameters()]

    def named_buffers(self, prefix=""):
        """(dotted name, buffer) for every buffer (not None) of this module and its children."""
        for module_name, module in self.named_modules(prefix.rstrip(".")):
            for name in module._buffer_names():
                value = getattr(module, name)
                if value is not None:
                    yield (f"{module_name}.{name}" if module_name else name), value

    def buffers(self):
        return [tensor for _, tensor in self.named_buffers()]

    def train(self, mode=True):
        """Put this module and all its children in training mode (or evaluation, mode=False)."""
        self.training = bool(mode)
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self):
        """Evaluation mode: Dropout passes its input through unchanged."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze every parameter; returns self."""
        for parameter in self.parameters():
            parameter.requires_grad = requires_grad
        return self

    def zero_grad(self):
        """Forget accumulated gradients before the next backward pass."""
        for tensor in self.parameters():
            tensor.grad = None

    def _state_tensors(self):
        """Name -> tensor for everything state_dict() saves: each module's parameters, then
        its persistent buffers, module by module (PyTorch's order)."""
        state, seen = {}, set()
        for module_name, module in self.named_modules():
            dotted = f"{module_name}." if module_name else ""
            entries = list(module._own_parameters()) + [
                (name, getattr(module, name)) for name, persistent in module._buffer_names().items() if persistent
            ]
            for name, tensor in entries:
                if tensor is not None and id(tensor) not in seen:
                    seen.add(id(tensor))
                    state[dotted + name] = tensor
        return state

    def state_dict(self):
        """A dict from parameter and buffer name to a copy of its array."""
        return {name: tensor.data.copy() for name, tensor in self._state_tensors().items()}

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from `state_dict` into this module's parameters and buffers, in place.

        With strict=True, every entry must be present and nothing else may be. Names,
        shapes and dtypes are all checked before anything changes.
        Returns (missing_keys, unexpected_keys).
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise TypeError(f"{where}: expects a dict of arrays, got {type(state_dict).__name__}")
        own = self._state_tensors()
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"{where}: missing keys {missing}, unexpected keys {unexpected}")
        arrays = {}
        for name in own.keys() & state_dict.keys():
            value = state_dict[name]
            try:
                array = np.asarray(value.data if isinstance(value, Tensor) else value)
            except ValueError:
                raise ValueError(f"{where}: {name!r} is not a rectangular array of numbers") from None
            if array.dtype.kind not in "biuf":
                raise TypeError(f"{where}: {name!r} holds dtype {array.dtype}, not numbers")
            if array.shape != own[name].shape:
                raise ValueError(
                    f"{where}: {name!r} has shape {array.shape}, the module expects {own[name].shape}"
                )
            if not np.can_cast(array.dtype, own[name].dtype, casting="same_kind"):
                raise TypeError(f"{where}: {name!r} holds {array.dtype}, which cannot become {own[name].dtype}")
            arrays[name] = array
        for name, array in arrays.items():
            np.copyto(own[name].data, array, casting="same_kind")
        return missing, unexpected

    def __repr__(self):
        children = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in self.named_children()]
        if not children:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n" + "\n".join(children) + "\n)"


# %% [markdown]
# ## 4. Initialisers, under their true names
#
# Each function returns a float32 array of shape `(fan_in, fan_out)`, the layout of a
# tinytorch weight, drawn from the framework's generator (so `manual_seed` reproduces it).
# `gain` scales the standard deviation; the Kaiming functions default to `sqrt(2)`, the
# gain for ReLU.
#
# | initialiser     | distribution | scale |
# |-----------------|--------------|-------|
# | lecun_normal    | normal       | std = sqrt(1 / fan_in) |
# | xavier_normal   | normal       | std = gain * sqrt(2 / (fan_in + fan_out)) |
# | xavier_uniform  | uniform(-a, a) | a = gain * sqrt(6 / (fan_in + fan_out)) |
# | kaiming_normal  | normal       | std = gain / sqrt(fan_in) |
# | kaiming_uniform | uniform(-a, a) | a = gain * sqrt(3 / fan_in) |
#
# A uniform distribution on `(-a, a)` has variance `a^2 / 3`, which is why the uniform
# bounds carry a `sqrt(3)` (or `sqrt(6) = sqrt(3 * 2)`) that the normal ones do not.

# %% nbgrader={"grade": false, "grade_id": "initializers", "solution": false}
#| export
def _check_fans(name, fan_in, fan_out):
    for label, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: {label} must be a positive integer, got {value!r}")


def _normal(fan_in, fan_out, std):
    return default_generator().normal(0.0, std, size=(fan_in, fan_out)).astype(np.float32)


def _uniform(fan_in, fan_out, bound):
    return default_generator().uniform(-bound, bound, size=(fan_in, fan_out)).astype(np.float32)


def lecun_normal(fan_in, fan_out):
    """N(0, 1/fan_in): keeps a layer's output variance equal to its input's (LeCun et al., 1998)."""
    _check_fans("lecun_normal", fan_in, fan_out)
    return _normal(fan_in, fan_out, np.sqrt(1.0 / fan_in))


def xavier_normal(fan_in, fan_out, gain=1.0):
    """N(0, gain^2 * 2/(fan_in + fan_out)) (Glorot and Bengio, 2010)."""
    _check_fans("xavier_normal", fan_in, fan_out)
    return _normal(fan_in, fan_out, gain * np.sqrt(2.0 / (fan_in + fan_out)))


def xavier_uniform(fan_in, fan_out, gain=1.0):
    """U(-a, a) with a = gain * sqrt(6/(fan_in + fan_out)) (Glorot and Bengio, 2010)."""
    _check_fans("xavier_uniform", fan_in, fan_out)
    return _uniform(fan_in, fan_out, gain * np.sqrt(6.0 / (fan_in + fan_out)))


def kaiming_normal(fan_in, fan_out, gain=np.sqrt(2.0)):
    """N(0, gain^2/fan_in); the default gain sqrt(2) suits ReLU (He et al., 2015)."""
    _check_fans("kaiming_normal", fan_in, fan_out)
    return _normal(fan_in, fan_out, gain / np.sqrt(fan_in))


def kaiming_uniform(fan_in, fan_out, gain=np.sqrt(2.0)):
    """U(-a, a) with a = gain * sqrt(3/fan_in); the default gain sqrt(2) suits ReLU (He et al., 2015)."""
    _check_fans("kaiming_uniform", fan_in, fan_out)
    return _uniform(fan_in, fan_out, gain * np.sqrt(3.0 / fan_in))


# %% [markdown]
# ## 5. The Linear layer
#
# Linear (also called dense or fully connected) layers do most of the work in an MLP. Each
# of the `out_features` outputs asks: *which weighted combination of the inputs is useful?*
# Training answers by adjusting the weights.
#
# ```
#  inputs           weights                bias        outputs
# [batch, in]  @  [in, out]            +  [out]   =  [batch, out]
# [32, 784]    @  [784, 10]            +  [10]    =  [32, 10]
#  32 images      one column of 784        one shift   10 scores per image
#                 weights per class        per class
# ```
#
# **Memory of Linear(784, 256)**, in float32:
#
# ```
# +------------------------------+
# | weight W  [784, 256]         |  200,704 numbers x 4 bytes = 802,816 B (784.0 KB)
# +------------------------------+
# | bias b    [256]              |      256 numbers x 4 bytes =   1,024 B (  1.0 KB)
# +------------------------------+
#                                      total 803,840 B (785.0 KB)
# ```
#
# **One operation, not two.** `x.matmul(W) + b` would work, but it records two operations
# and allocates two arrays of the output's size: the product, then the sum. A layer that runs
# thousands of times per epoch is worth a little care: `Linear` computes the product, adds the
# bias into it *in place* (the product is a fresh array nobody else holds), and records the
# whole thing as one operation, `"linear"`, whose gradient rule Module 05 supplies:
# `dx = g @ W^T`, `dW = x^T @ g`, `db = sum of g over the batch`. Half the bookkeeping, one
# array fewer, the same numbers.
#
# The layer checks its input: a floating-point tensor whose last axis has `in_features`
# entries. As in PyTorch, any leading axes are batch axes: `(batch, in)`, `(batch, time, in)`
# and a single sample `(in,)` all work, because `@` multiplies the last axis and broadcasts
# the rest. A wrong width is the most common bug when wiring networks, so the message names
# the layer and the shapes rather than leaving NumPy to fail deep inside matmul.

# %% nbgrader={"grade": false, "grade_id": "linear-layer", "solution": true}
#| export
class Linear(Module):
    """Fully connected layer: y = x @ W + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: if False, the layer has no bias and `self.bias is None`.

    Shapes:
        input (*, in_features) -> output (*, out_features), where * is any number of
        leading (batch) axes, none included.

    Attributes:
        weight: Parameter (in_features, out_features), LeCun normal N(0, 1/in_features).
        bias: Parameter (out_features,) of zeros, or None.

    Example:
        >>> layer = Linear(784, 10)
        >>> layer(Tensor(np.zeros((32, 784)))).shape
        (32, 10)
    """

    def __init__(self, in_features, out_features, bias=True):
        """
        TODO: store the sizes, then create the weight and (optionally) the bias.

        APPROACH:
        1. Keep in_features and out_features as attributes.
        2. weight: lecun_normal(in_features, out_features), wrapped in a Parameter (so that
           Module finds it, and it requires grad).
        3. bias: a Parameter of float32 zeros of shape (out_features,), or None if bias=False.
           Assign weight before bias: the order of assignment is the order of parameters().

        EXAMPLE:
        >>> layer = Linear(784, 10)
        >>> layer.weight.shape, layer.bias.shape
        ((784, 10), (10,))

        HINTS:
        - np.zeros(out_features, dtype=np.float32)
        """
        for label, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {label} must be a positive integer, got {value!r}")
        ### BEGIN SOLUTION
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = Parameter(lecun_normal(self.in_features, self.out_features))
        if bias:
            self.bias = Parameter(np.zeros(self.out_features, dtype=np.float32))
        else:
            self.bias = None
        ### END SOLUTION

    def forward(self, x):
        """
        TODO: compute x @ W, add the bias if there is one, and record it as ONE operation.

        APPROACH:
        1. Multiply the arrays with np.matmul: (*, in_features) @ (in, out) gives (*, out).
        2. If there is a bias, add it to that product in place (the product is a new array
           that nothing else holds, so no second array is needed).
        3. Record the result with Tensor.from_op under the name "linear", with the inputs
           (x, weight) or (x, weight, bias) in that order: Module 05's rule for "linear"
           reads them in that order.

        EXAMPLE:
        >>> Linear(3, 2)(Tensor([[1, 2, 3], [4, 5, 6]])).shape
        (2, 2)
        """
        self._check_input(x)
        ### BEGIN SOLUTION
        output = np.matmul(x.data, self.weight.data)
        if self.bias is None:
            return Tensor.from_op(output, "linear", (x, self.weight))
        output += self.bias.data
        return Tensor.from_op(output, "linear", (x, self.weight, self.bias))
        ### END SOLUTION

    def _check_input(self, x):
        if isinstance(x, Tensor) and x.data.dtype.kind == "f" and x.data.ndim and x.data.shape[-1] == self.in_features:
            return  # the usual case, settled before any message is formatted (this runs on every call)
        name = f"Linear({self.in_features} -> {self.out_features})"
        if not isinstance(x, Tensor):
            raise TypeError(f"{name} expects a Tensor, got {type(x).__name__}")
        if x.dtype.kind != "f":
            raise TypeError(f"{name} expects a floating-point input, got dtype {x.dtype} (convert it with .float())")
        if x.ndim == 0:
            raise ValueError(f"{name} expects input of shape (*, {self.in_features}), got a 0-d tensor")
        if x.shape[-1] != self.in_features:
            raise ValueError(
                f"{name} expects input whose last dimension is {self.in_features}, got shape {x.shape}"
            )

    def __repr__(self):
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None})"
        )


# %% [markdown]
# ### Unit test: Linear
#
# **Tests**: shapes, the LeCun scale and normal shape of the weights and their
# reproducibility under `manual_seed`, zero biases, the forward pass for any number of batch
# axes, the no-bias option and the order of `parameters()`.

# %%
from tinytorch.core.tensor import manual_seed  # the tests seed the framework generator

# %% nbgrader={"grade": true, "grade_id": "test-linear", "locked": true, "points": 15}
def test_unit_linear_layer():
    print("Unit test: Linear...")
    layer = Linear(784, 256)
    assert (layer.in_features, layer.out_features) == (784, 256), f"expected sizes (784, 256), got {(layer.in_features, layer.out_features)}"
    assert layer.weight.shape == (784, 256) and layer.bias.shape == (256,), \
        f"expected weight (784, 256) and bias (256,), got {layer.weight.shape} and {layer.bias.shape}"
    assert isinstance(layer.weight, Parameter) and isinstance(layer.bias, Parameter), "weight and bias are Parameters"
    assert layer.weight.requires_grad and layer.bias.requires_grad, "weight and bias require gradients"
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32, f"float32 parameters, got {layer.weight.dtype} and {layer.bias.dtype}"
    spread, target = np.std(layer.weight.data), np.sqrt(1.0 / 784)
    assert 0.9 * target < spread < 1.1 * target, f"weight std {spread:.4f}, LeCun normal gives {target:.4f}"
    assert abs(np.mean(layer.weight.data)) < 0.1 * target, "LeCun normal weights have mean 0"
    # Normal, not uniform with the same variance: a normal puts 4.55% of its draws beyond two
    # standard deviations, a uniform of that variance none (its bound is sqrt(3) std). Over
    # 200,704 draws the share is within 0.5% of 4.55% by more than ten standard errors.
    tails = np.mean(np.abs(layer.weight.data) > 2 * target)
    assert 0.0405 < tails < 0.0505, \
        f"LeCun normal: expected about 4.55% of the weights beyond 2 std, got {100 * tails:.2f}% (a uniform draw gives 0%)"
    manual_seed(11)
    first = Linear(20, 30).weight.data.copy()
    manual_seed(11)
    again = Linear(20, 30).weight.data
    assert np.array_equal(first, again), \
        "the weights come from the framework generator: manual_seed(11) twice must give the same Linear(20, 30) weights"
    assert np.all(layer.bias.data == 0), "biases start at zero"

    y = layer(Tensor(np.random.randn(32, 784)))
    assert y.shape == (32, 256), f"expected (32, 256), got {y.shape}"
    # With a non-zero bias, forgetting it (or adding it twice) shows.
    small = Linear(3, 2)
    small.weight.data[...] = [[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]]
    small.bias.data[...] = [0.25, -3.0]
    x = Tensor([[1.0, 2.0, 3.0], [-1.0, 0.0, 4.0]])
    expected = [[2.25, 3.0], [-0.75, 2.0]]
    assert np.allclose(small(x).data, expected), f"Linear(3, 2): expected {expected}, got {small(x).data.tolist()}"
    assert small(x).dtype == np.float32, f"float32 in, float32 out: got {small(x).dtype}"
    # Shapes are compared exactly: np.allclose would broadcast (1, 2) against (2,) and pass.
    for shape, expected_shape in (((4, 5, 3), (4, 5, 2)), ((3,), (2,)), ((1, 3), (1, 2))):
        got = small(Tensor(np.ones(shape))).data
        assert got.shape == expected_shape, f"leading axes are batch axes: input {shape} must give {expected_shape}, got {got.shape}"
        assert np.allclose(got, np.full(expected_shape, [1.75, -1.0])), f"input {shape} of ones: expected rows [1.75, -1.0], got {got.tolist()}"
    single = small(Tensor([1.0, 2.0, 3.0])).data
    assert single.shape == (2,) and np.allclose(single, [2.25, 3.0]), f"a single sample (3,) gives (2,) [2.25, 3.0], got {single.shape} {single.tolist()}"
    recorded = small(x)
    assert recorded.requires_grad and recorded._op == "linear", \
        f"Linear records one 'linear' operation, got {recorded._op!r}"
    assert len(recorded._inputs) == 3 and recorded._inputs[0] is x and recorded._inputs[1] is small.weight \
        and recorded._inputs[2] is small.bias, "the 'linear' operation records its inputs in the order (x, weight, bias)"
    without = Linear(3, 2, bias=False)(x)
    assert without._op == "linear" and len(without._inputs) == 2, "without a bias the inputs are (x, weight)"

    no_bias = Linear(10, 5, bias=False)
    assert no_bias.bias is None and len(no_bias.parameters()) == 1, f"bias=False: no bias and one parameter, got bias {no_bias.bias!r}"
    no_bias.weight.data[...] = np.arange(50, dtype=np.float32).reshape(10, 5) / 8  # sums exact in float32
    got, expected = no_bias(Tensor(np.ones((2, 10)))).data, np.full((2, 5), [28.125, 29.375, 30.625, 31.875, 33.125])
    assert np.allclose(got, expected), f"without a bias, the output is x @ W: expected {expected.tolist()}, got {got.tolist()}"

    params = layer.parameters()
    assert len(params) == 2 and params[0] is layer.weight and params[1] is layer.bias, "parameters(): weight, then bias"
    assert repr(layer) == "Linear(in_features=784, out_features=256, bias=True)", f"got repr {layer!r}"
    for bad in (Tensor(np.ones((32, 100))), Tensor(np.ones(3))):
        try:
            layer(bad)
        except ValueError as error:
            assert str(bad.shape) in str(error) and "784" in str(error), f"the error must name the shapes: {error}"
        else:
            raise AssertionError(f"Linear(784 -> 256) must refuse input of shape {bad.shape}")
    print("Linear works.")


if __name__ == "__main__":
    test_unit_linear_layer()

# %% [markdown]
# ## 6. Dropout
#
# A large network can memorise its training set: some neurons learn to fire for particular
# training examples, and the network stops generalising. Dropout (Srivastava et al., 2014)
# fights this by zeroing each activation with probability `p` during training. No neuron
# can count on any particular other neuron being there, so the network has to learn
# redundant, robust features, as if it were an average of many thinner networks.
#
# ```
# training, p = 0.5
#   input   [1.0  2.0  3.0  4.0  5.0  6.0  7.0  8.0]
#   keep?   [ 1    0    1    0    1    1    0    1 ]   each kept with probability 1 - p
#   output  [2.0  0.0  6.0  0.0 10.0 12.0  0.0 16.0]   survivors scaled by 1/(1-p) = 2
#
# evaluation
#   output = input, unchanged
# ```
#
# **Why scale by 1/(1-p)?** A surviving value `v` is kept with probability `1 - p`, so
# without scaling its expected value in training would be `(1 - p) * v`, while in
# evaluation it is `v`. The next layer would see smaller numbers in training than in use.
# Scaling survivors by `1 / (1 - p)` makes the expectation `v` in both modes. This is
# *inverted* dropout: the correction happens during training, so evaluation does nothing
# at all.
#
# The masked result is recorded as one operation, "dropout", that saves its mask, as
# Linear is recorded as "linear": once autograd exists (Module 05), the gradient flows back
# through the survivors, scaled like them, and is zero for the dropped ones. One recorded
# operation, rather than a Tensor for the mask and a multiplication, keeps the graph of a
# training step small, which matters when the layers are small and the Python bookkeeping
# of each operation costs as much as its arithmetic.
#
# **Edge cases**: `p = 0` and evaluation return the input itself; `p = 1` returns zeros that
# still belong to the computation graph. **Memory**: the mask is one more array the size of
# the input, alive until the backward pass.
#
# **Training or evaluation?** `forward(x, training=True)` decides explicitly, as the seed
# of this course specifies. Called with no `training` argument, Dropout follows its
# module's mode, so `model.eval()` switches every Dropout in a network off at once.

# %% nbgrader={"grade": false, "grade_id": "dropout-layer", "solution": true}
#| export
class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability p, scale the rest by 1/(1-p).

    Args:
        p: probability of zeroing an element, in [0, 1].
    """

    def __init__(self, p=0.5):
        self.p = p  # checked by the property below, now and whenever p is changed later

    @property
    def p(self):
        return self._p

    @p.setter
    def p(self, value):
        """
        TODO: check that value is a probability (a real number from 0 to 1), then store it
        in self._p.

        EXAMPLE:
        >>> Dropout(0.5).p
        0.5
        >>> Dropout(1.5)
        Traceback (most recent call last):
        ValueError: Dropout probability p must be between 0 and 1, got 1.5
        """
        ### BEGIN SOLUTION
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0.0 <= value <= 1.0:
            raise ValueError(f"Dropout probability p must be between 0 and 1, got {value!r}")
        self._p = value
        ### END SOLUTION

    def forward(self, x, training=None):
        """
        TODO: apply inverted dropout when training, pass x through otherwise.

        APPROACH:
        1. training=None means: follow self.training (set by train()/eval()).
        2. Not training, or p == 0: return x unchanged.
        3. p == 1: return zeros, computed as x * 0 so the result stays in the graph.
           Between 0 and 1 an integer or bool x cannot hold x / (1-p): raise TypeError.
        4. Otherwise draw uniform numbers from default_generator(); keep where the draw
           is below 1 - p; build the mask, 1/(1-p) where kept and 0 elsewhere; multiply
           x's array by it and record the result as ONE op:
           Tensor.from_op(result, "dropout", (x,), mask=mask) (Module 05's rule reads the mask).

        EXAMPLE:
        >>> dropout = Dropout(0.5)
        >>> dropout(Tensor([1.0, 2.0, 3.0, 4.0]), training=False).data
        array([1., 2., 3., 4.], dtype=float32)

        HINTS:
        - default_generator().random(x.shape) < keep gives a boolean mask.
        """
        if not isinstance(x, Tensor):
            raise TypeError(f"Dropout(p={self.p}) expects a Tensor, got {type(x).__name__}")
        ### BEGIN SOLUTION
        if training is None:
            training = self.training
        if not training or self.p == 0:
            return x
        dtype = x.dtype
        if self.p == 1:
            return x * from_numpy(np.zeros(x.shape, dtype=dtype))
        if dtype.kind != "f":  # 1/(1-p) is not a whole number: PyTorch refuses these too
            raise TypeError(f"Dropout(p={self.p}) scales what it keeps by 1/(1-p) and needs a floating-point Tensor, "
                            f"got dtype {dtype}")
        keep = 1.0 - self.p
        kept = default_generator().random(x.shape, dtype=np.float32) < keep
        mask = kept.astype(dtype)
        mask *= dtype.type(1.0 / keep)  # in place: scaling a new copy would cost a pass and an array
        return Tensor.from_op(np.multiply(x.data, mask, dtype=dtype), "dropout", (x,), mask=mask)
        ### END SOLUTION

    def __repr__(self):
        return f"Dropout(p={self.p})"


# %% [markdown]
# ### Unit test: Dropout
#
# **Tests**: evaluation and p = 0 pass through (still in the graph), p = 1 zeroes, the share
# of survivors is 1 - p and they are scaled by 1/(1-p) (at p = 0.2 and 0.7), one independent
# draw per element from the framework generator, the input's float dtype kept, no
# parameters, invalid p (NaN too) refused, and the mode switch, which a `training=` argument
# overrides for one call only.

# %% nbgrader={"grade": true, "grade_id": "test-dropout", "locked": true, "points": 10}
def test_unit_dropout_layer():
    print("Unit test: Dropout...")
    dropout = Dropout(0.5)
    assert dropout.p == 0.5, f"Dropout(0.5).p: expected 0.5, got {dropout.p}"
    x = Tensor([1, 2, 3, 4])
    assert np.array_equal(dropout.forward(x, training=False).data, x.data), "evaluation passes through"
    assert np.array_equal(Dropout(0.0).forward(x, training=True).data, x.data), "p = 0 passes through"
    tracked = Tensor([1.0, 2.0], requires_grad=True)
    for label, passed in (("evaluation", dropout.forward(tracked, training=False)), ("p = 0", Dropout(0.0).forward(tracked, training=True))):
        assert (passed is tracked or not passed.is_leaf) and np.array_equal(passed.data, tracked.data), \
            f"{label}: Dropout returns its input itself, in the graph; got a new leaf tensor (requires_grad={passed.requires_grad})"
    source = Tensor([1.0, 2.0], requires_grad=True)
    zeros = Dropout(1.0).forward(source, training=True)
    assert np.all(zeros.data == 0) and zeros.requires_grad, "p = 1 gives zeros that keep requires_grad"
    assert not zeros.is_leaf, "p = 1: the zeros are computed from x (recorded in the graph), not a new leaf tensor"
    assert np.array_equal(source.data, [1.0, 2.0]), f"p = 1 must not change its input: expected [1.0, 2.0], got {source.data.tolist()}"
    x = Tensor(np.ones((4, 4)), requires_grad=True)
    y = Dropout(0.5).forward(x, training=True)
    assert y.requires_grad and y._op == "dropout" and y._inputs == (x,), \
        f"Dropout records ONE op, 'dropout', on (x,): expected op 'dropout', got {y._op!r} on {len(y._inputs)} input(s)"
    mask = (y._saved or {}).get("mask")
    assert mask is not None and np.array_equal(y.data, x.data * mask), \
        "Dropout saves the mask it applied as mask=..., so that Module 05's rule can send the gradient through it"
    assert np.shape(mask) == x.shape, f"one mask entry per input element: expected mask shape {x.shape}, got {np.shape(mask)}"

    # At p = 0.2 and p = 0.7 dropping p and keeping p differ, so a swapped rate shows. With
    # 20,000 draws the share of survivors is within 0.015 of 1 - p with overwhelming
    # probability (more than 4.5 standard deviations), and the seed fixes the draws anyway.
    manual_seed(7)
    for p in (0.2, 0.7):
        values = Tensor(np.full(20_000, 3.0))
        y = Dropout(p).forward(values, training=True)
        kept = np.count_nonzero(y.data) / 20_000
        assert abs(kept - (1 - p)) < 0.015, f"Dropout({p}) keeps a share 1 - p = {1 - p:.2f} of the inputs, got {kept:.3f}"
        survivors = y.data[y.data != 0]
        assert np.allclose(survivors, 3.0 / (1 - p)), \
            f"Dropout({p}): survivors are scaled by 1/(1-p): expected {3.0 / (1 - p):.4f}, got {survivors[:3]}"
        assert np.array_equal(values.data, np.full(20_000, 3.0)), "Dropout must not change its input"
        assert y.dtype == np.float32, f"Dropout({p}): a float32 input gives a float32 output, got {y.dtype}"
    wide = Dropout(0.5).forward(Tensor(np.ones((200, 50)), dtype=np.float64), training=True)
    assert wide.dtype == np.float64, f"Dropout keeps its input's float dtype: float64 in, expected float64 out, got {wide.dtype}"
    kept_rows = wide.data != 0
    assert not np.all(kept_rows == kept_rows[0]), \
        "each element is dropped on its own draw: the 200 rows of a (200, 50) batch all got the same mask"
    # Each element is kept or dropped on its own draw, so the number of survivors of a
    # 10-element input varies from call to call (binomial); it is not fixed at (1 - p) * 10.
    manual_seed(5)
    counts = {int(np.count_nonzero(Dropout(0.5).forward(Tensor(np.ones(10)), training=True).data)) for _ in range(50)}
    assert len(counts) > 1, f"50 calls of Dropout(0.5) on 10 elements all kept {counts.pop()}: elements must be dropped independently"
    manual_seed(3)
    first = Dropout(0.3).forward(Tensor(np.ones(1000)), training=True).data
    manual_seed(3)
    again = Dropout(0.3).forward(Tensor(np.ones(1000)), training=True).data
    assert np.array_equal(first, again), \
        "the mask comes from the framework generator: after manual_seed(3) twice, Dropout(0.3) must draw the same mask"
    first, second = Dropout(0.5).forward(Tensor(np.ones(64)), training=True), Dropout(0.5).forward(Tensor(np.ones(64)), training=True)
    assert not np.array_equal(first.data, second.data), "each call draws a new mask"

    assert dropout.parameters() == [], "Dropout has no parameters"
    for good in (np.float32(0.25), np.float64(0.25), 0, 1):
        assert Dropout(good).p == good, f"Dropout({good!r}) is a valid probability; got p = {Dropout(good).p!r}"
    for bad in (-0.1, 1.1, "0.5", True, float("nan"), None):
        try:
            Dropout(bad)
        except ValueError:
            pass
        else:
            raise AssertionError(f"Dropout({bad!r}) must raise ValueError")
    try:
        dropout.p = 1.5
    except ValueError:
        pass
    else:
        raise AssertionError("setting p = 1.5 after construction must raise ValueError too")
    assert dropout.p == 0.5, "a refused p leaves the old one"

    dropout.eval()
    assert np.array_equal(dropout(Tensor(np.ones(100))).data, np.ones(100)), "eval() switches dropout off"
    assert np.count_nonzero(dropout(Tensor(np.ones(100)), training=True).data) < 100, "training=True overrides eval()"
    assert not dropout.training and np.array_equal(dropout(Tensor(np.ones(100))).data, np.ones(100)), \
        "an explicit training=True applies to that call only: the layer stays in evaluation mode afterwards"
    dropout.train()
    assert np.count_nonzero(dropout(Tensor(np.ones(100))).data) < 100, "train() switches it back on"
    assert np.array_equal(dropout(Tensor(np.ones(100)), training=False).data, np.ones(100)), "training=False overrides train()"
    assert dropout.training and np.count_nonzero(dropout(Tensor(np.ones(100))).data) < 100, \
        "an explicit training=False applies to that call only: the layer stays in training mode afterwards"
    assert repr(dropout) == "Dropout(p=0.5)", f"got repr {dropout!r}"
    print("Dropout works.")


if __name__ == "__main__":
    test_unit_dropout_layer()

# %% [markdown]
# ## 7. Sequential: a network as a list of layers
#
# Most networks are a chain: the output of one layer is the input of the next.
# `Sequential(layer1, layer2, ...)` holds such a chain, calls each layer in turn, and, as a
# `Module`, collects their parameters under the names `"0"`, `"1"`, ... Activations from
# Module 02 can be links of the chain too; they have no parameters to collect.
# `ModuleList` holds layers the same way for networks whose `forward` uses them in its own
# order (a stack of transformer blocks, say).

# %% nbgrader={"grade": false, "grade_id": "sequential", "solution": false}
#| export
class Sequential(Module):
    """Apply layers in order: Sequential(Linear(4, 8), ReLU(), Linear(8, 2))."""

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for position, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(f"Sequential: layer {position} ({type(layer).__name__}) is not callable")
        self.layers = tuple(layers)

    def named_children(self):
        for position, layer in enumerate(self.layers):
            if isinstance(layer, Module):
                yield str(position), layer

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, position):
        return self.layers[position]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        lines = [f"  ({position}): {layer!r}".replace("\n", "\n  ") for position, layer in enumerate(self.layers)]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


class ModuleList(Sequential):
    """A list of modules whose parameters are registered (names "0", "1", ...), as
    torch.nn.ModuleList; unlike Sequential it has no forward: the owner decides the order."""

    def __init__(self, modules=()):
        super().__init__(*modules)

    def append(self, module):
        if not callable(module):
            raise TypeError(f"ModuleList.append: {type(module).__name__} is not callable")
        self.layers = self.layers + (module,)
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it and call each module")


# %% [markdown]
# ### Unit test: Module, Sequential and the initialisers
#
# The tests use ReLU from Module 02, imported from the package (it is not part of this
# module's export).

# %%
from tinytorch.core.activations import ReLU

# %% nbgrader={"grade": true, "grade_id": "test-module-sequential", "locked": true, "points": 10}
def test_unit_module_and_sequential():
    print("Unit test: Parameter, Module, Sequential, initialisers...")
    model = Sequential(Linear(4, 8), ReLU(), Dropout(0.5), Linear(8, 2))
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "3.weight", "3.bias"], f"expected dotted names in order, got {names}"
    assert len(model.parameters()) == 4, f"two Linear layers give 4 parameters, got {len(model.parameters())}"
    assert model(Tensor(np.ones((5, 4)))).shape == (5, 2), "Sequential applies its layers in order"

    # A parameter is a matter of type, not of requires_grad; a plain tensor is not one.
    class Scaled(Module):
        def __init__(self):
            self.scale = Parameter(np.array([2.0, 3.0]))
            self.frozen = Parameter(np.array([1.0]), requires_grad=False)
            self.constant = Tensor([5.0], requires_grad=True)
            self.register_buffer("count", Tensor(np.array([0])))
            self.inner = Linear(2, 2)

    scaled = Scaled()
    names = [name for name, _ in scaled.named_parameters()]
    assert names == ["scale", "frozen", "inner.weight", "inner.bias"], \
        f"Parameters (frozen ones too) are registered, plain tensors are not: expected ['scale', 'frozen', 'inner.weight', 'inner.bias'], got {names}"
    assert list(scaled.state_dict()) == ["scale", "frozen", "count", "inner.weight", "inner.bias"], \
        f"state_dict holds parameters then buffers, module by module; got {list(scaled.state_dict())}"
    assert [name for name, _ in scaled.named_buffers()] == ["count"] and "count" not in names, "buffers are saved, not trained"
    scaled.inner.weight.requires_grad = False
    assert "inner.weight" in scaled.state_dict(), "freezing a parameter keeps it in the state_dict"
    restored = Scaled()
    restored.inner.weight.requires_grad = False
    restored.load_state_dict(scaled.state_dict())
    assert np.array_equal(restored.inner.weight.data, scaled.inner.weight.data), "a frozen parameter is loaded too"
    scaled.count.data[0] = 7
    restored.load_state_dict(scaled.state_dict())
    assert restored.count.data[0] == 7, "buffers are loaded"

    assert model.eval() is model and not model[2].training, "eval() reaches children and returns self"
    first, second = model(Tensor(np.ones((3, 4)))), model(Tensor(np.ones((3, 4))))
    assert np.array_equal(first.data, second.data), "in evaluation the network is deterministic"
    model.train()
    assert model[2].training, "train() reaches the children again"

    state = model.state_dict()
    other = Sequential(Linear(4, 8), ReLU(), Dropout(0.5), Linear(8, 2))
    other.load_state_dict(state)
    other.eval()
    assert np.array_equal(other(Tensor(np.ones((3, 4)))).data, first.data), "state_dict round trip"
    state["0.weight"][...] = 99.0
    assert not np.any(model[0].weight.data == 99.0), "state_dict holds copies"
    before = other[0].weight.data.copy()
    try:
        other.load_state_dict({**other.state_dict(), "0.weight": np.zeros((4, 8)), "3.bias": np.zeros(5)})
    except ValueError as error:
        assert "3.bias" in str(error), f"the error must mention 3.bias, got: {error}"
    else:
        raise AssertionError("a state dict with a wrongly shaped entry must be refused")
    assert np.array_equal(other[0].weight.data, before), "a refused load changes nothing, not even the good entries"
    try:
        Linear(4, 2).load_state_dict({"weight": np.zeros((4, 2))})
    except KeyError as error:
        assert "bias" in str(error), f"the error must mention bias, got: {error}"
    else:
        raise AssertionError("a state dict without 'bias' must be refused")

    for init, std in ((lecun_normal, np.sqrt(1 / 400)), (kaiming_normal, np.sqrt(2 / 400)),
                      (xavier_normal, np.sqrt(2 / 600)), (kaiming_uniform, np.sqrt(2 / 400)),
                      (xavier_uniform, np.sqrt(2 / 600))):
        w = init(400, 200)
        assert w.shape == (400, 200) and w.dtype == np.float32, f"{init.__name__}: expected a float32 (400, 200) array, got {w.dtype} {w.shape}"
        assert abs(w.std() / std - 1) < 0.05, f"{init.__name__}: std {w.std():.4f}, expected {std:.4f}"
    print("Module, Sequential and initialisers work.")


if __name__ == "__main__":
    test_unit_module_and_sequential()

# %% [markdown]
# ## 8. Integration: a three-layer network for digits
#
# Put the pieces together the way a digit classifier would: 784 pixel values in, 10 class
# scores out, two hidden layers with ReLU and Dropout between them.
#
# ```
#  [32, 784] -> Linear(784, 256) -> ReLU -> Dropout(0.5)
#            -> Linear(256, 128) -> ReLU -> Dropout(0.3)
#            -> Linear(128, 10)  -> [32, 10]
#
#  layer1 = Linear(784 -> 256)   784 x 256 + 256 = 200,960 parameters
#  ReLU, Dropout(0.5)                                     0
#  layer2 = Linear(256 -> 128)   256 x 128 + 128 =  32,896
#  ReLU, Dropout(0.3)                                     0
#  layer3 = Linear(128 -> 10)    128 x 10  + 10  =   1,290
#                                                  -------
#                                          total   235,146 parameters, 940,584 bytes in float32
# ```

# %% [markdown]
# ## 9. Systems analysis: memory and arithmetic
#
# Three kinds of memory are in play when a network runs:
#
# ```
# +--------------------------------------------------------------+
# | PARAMETERS   weights and biases; live as long as the model;  |
# |              grow with width x width and with depth          |
# +--------------------------------------------------------------+
# | ACTIVATIONS  each layer's output, batch x features x 4 bytes;|
# |              kept until the backward pass; grow with batch   |
# +--------------------------------------------------------------+
# | TEMPORARIES  dropout masks, matmul buffers; peak in a step   |
# +--------------------------------------------------------------+
# ```
#
# And the arithmetic: a Linear forward pass multiplies `(batch, in) @ (in, out)`, which is
# `batch * in * out` multiply-adds, then adds the bias, `batch * out` additions. The matrix
# product dominates by a factor of `in`. Dropout and the activations are elementwise, one
# operation per element, negligible next to it.
#
# The two functions below print these figures. Memory is measured from the arrays of real
# layers (`ndarray.nbytes`), not computed from a formula.

# %% nbgrader={"grade": false, "grade_id": "analyze-layer-memory", "solution": false}
def analyze_layer_memory():
    """Print the memory of single Linear layers, and of 3-layer MLPs of growing width."""
    print("Analyzing layer memory usage...")
    print("\nLinear layer memory analysis:")
    print("Configuration -> Weight Memory -> Bias Memory -> Total Memory")
    for in_features, out_features in [(784, 256), (256, 256), (256, 10), (2048, 2048)]:
        layer = Linear(in_features, out_features)
        weight_bytes, bias_bytes = layer.weight.data.nbytes, layer.bias.data.nbytes
        print(
            f"({in_features:4d}, {out_features:4d}) -> {weight_bytes / 1024:7.1f} KB -> "
            f"{bias_bytes / 1024:6.1f} KB -> {(weight_bytes + bias_bytes) / 1024:7.1f} KB"
        )

    print("\nMulti-layer model memory scaling (784 -> hidden -> hidden/2 -> 10):")
    for hidden in [128, 256, 512, 1024, 2048]:
        model = Sequential(Linear(784, hidden), Linear(hidden, hidden // 2), Linear(hidden // 2, 10))
        count = sum(p.numel() for p in model.parameters())
        megabytes = sum(p.data.nbytes for p in model.parameters()) / (1024 * 1024)
        print(f"Hidden={hidden:4d}: {count:7,} params = {megabytes:5.1f} MB")


# %% nbgrader={"grade": false, "grade_id": "analyze-layer-performance", "solution": false}
def analyze_layer_performance():
    """Print the arithmetic of a Linear(784, 256) forward pass at several batch sizes."""
    print("Analyzing layer computational complexity...")
    layer = Linear(784, 256)
    print("\nLinear layer FLOPs analysis:")
    print("Batch Size -> Matrix Multiply FLOPs -> Bias Add FLOPs -> Total FLOPs")
    for batch in [1, 32, 128, 512]:
        matmul_flops = batch * layer.in_features * layer.out_features
        bias_flops = batch * layer.out_features
        print(f"{batch:10d} -> {matmul_flops:15,} -> {bias_flops:13,} -> {matmul_flops + bias_flops:11,}")
    print("\nKey insights:")
    print("- Linear layer cost: O(batch_size x in_features x out_features)")
    print("- Memory grows linearly with batch size, quadratically with layer width")
    print("- Dropout adds little: one elementwise operation per element")


if __name__ == "__main__":
    analyze_layer_memory()
    analyze_layer_performance()

# %% [markdown]
# ## Module test
#
# The last check runs every unit test, then builds the network of section 8 by hand, layer
# by layer, and checks shapes, parameter counts and modes together.

# %% nbgrader={"grade": true, "grade_id": "module-integration", "locked": true, "points": 20}
def test_module():
    print("Module test: Layers")
    test_unit_linear_layer()
    test_unit_dropout_layer()
    test_unit_module_and_sequential()

    print("Integration: a multi-layer network composed by hand...")
    layer1, activation1, dropout1 = Linear(784, 256), ReLU(), Dropout(0.5)
    layer2, activation2, dropout2 = Linear(256, 128), ReLU(), Dropout(0.3)
    layer3 = Linear(128, 10)
    x = Tensor(np.random.randn(16, 784))
    h = dropout1.forward(activation1.forward(layer1.forward(x)))
    h = dropout2.forward(activation2.forward(layer2.forward(h)))
    output = layer3.forward(h)
    assert output.shape == (16, 10), f"expected (16, 10), got {output.shape}"

    params = layer1.parameters() + layer2.parameters() + layer3.parameters()
    assert len(params) == 6 and all(p.requires_grad for p in params), f"three layers give 6 trainable parameters, got {len(params)}"
    assert sum(p.numel() for p in params) == 235_146, "the network of section 8 has 235,146 parameters"

    test_x = Tensor(np.random.randn(4, 784))
    assert np.array_equal(Dropout(0.5).forward(test_x, training=False).data, test_x.data), "Dropout in evaluation passes through"

    # The same network as one Sequential module.
    model = Sequential(layer1, activation1, dropout1, layer2, activation2, dropout2, layer3)
    assert model.parameters() == params, "Sequential lists its layers' parameters in order"
    assert model.eval()(x).shape == (16, 10), "the network maps (16, 784) to (16, 10)"
    for bad in (Tensor(np.ones(100)), Tensor(np.ones((2, 3, 785))), Tensor(np.ones((32, 100)))):
        try:
            layer1(bad)
        except ValueError as error:
            assert str(bad.shape) in str(error), f"the error must name the shape {bad.shape}, got: {error}"
        else:
            raise AssertionError(f"Linear(784 -> 256) must refuse input of shape {bad.shape}")
    print("All layer tests passed. Next: tito module complete 03_layers")


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## Summary
#
# - `Linear` learns weighted combinations of its inputs; it starts from LeCun normal
#   weights so that signals keep their scale through the network.
# - `Dropout` zeroes activations at random while training and rescales the survivors by
#   1/(1-p), so that evaluation needs no correction at all.
# - `Module` gives every layer and network the same services: parameters by name,
#   train/eval, zero_grad, and a checked state_dict; `Sequential` chains layers.
# - Parameters cost `in * out + out` numbers per Linear layer and a forward pass costs
#   `batch * in * out` multiply-adds: width is expensive, depth adds up.
#
# Export and record your work with `tito module complete 03_layers`.
#
# **Next**: Module 04 adds loss functions (mean squared error, cross-entropy) that turn a
# network's output into one number saying how wrong it is: the starting point of learning.
