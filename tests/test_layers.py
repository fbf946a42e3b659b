"""Layers (Module 03): Linear, Dropout, Module, Sequential, initialisers, analysis output."""

import numpy as np
import pytest

import tinytorch
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import (
    Dropout, Linear, Module, Parameter, Sequential,
    kaiming_normal, kaiming_uniform, lecun_normal, xavier_normal, xavier_uniform,
)
from tinytorch.core.tensor import Tensor

# `tito module complete 03_layers` runs the tests marked with its module.
pytestmark = pytest.mark.module(name="03_layers")


class TestLinear:
    def test_shapes_init_and_parameters(self):
        layer = Linear(784, 256)
        assert layer.weight.shape == (784, 256) and layer.bias.shape == (256,)
        assert layer.weight.requires_grad and layer.bias.requires_grad
        assert np.all(layer.bias.data == 0)
        assert abs(layer.weight.data.std() / np.sqrt(1 / 784) - 1) < 0.02, "LeCun normal N(0, 1/in)"
        assert abs(layer.weight.data.mean()) < 0.002
        assert layer.parameters() == [layer.weight, layer.bias]
        assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]

    def test_forward_is_x_at_w_plus_b(self):
        layer = Linear(3, 2)
        layer.bias.data[:] = [0.5, -1.0]
        x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
        y = layer(Tensor(x))
        assert np.allclose(y.data, x @ layer.weight.data + layer.bias.data, atol=1e-6)
        assert y.dtype == np.float32 and y.requires_grad

    def test_no_bias(self):
        layer = Linear(10, 5, bias=False)
        assert layer.bias is None and layer.parameters() == [layer.weight]
        x = Tensor(np.ones((2, 10)))
        assert np.allclose(layer(x).data, x.data @ layer.weight.data)
        assert repr(layer) == "Linear(in_features=10, out_features=5, bias=False)"

    def test_repr(self):
        assert repr(Linear(784, 256)) == "Linear(in_features=784, out_features=256, bias=True)"

    def test_seeded_init_is_reproducible(self):
        tinytorch.manual_seed(3)
        first = Linear(5, 4).weight.data.copy()
        tinytorch.manual_seed(3)
        assert np.array_equal(Linear(5, 4).weight.data, first)

    def test_wrong_width_names_layer_and_shape(self):
        with pytest.raises(ValueError) as error:
            Linear(784, 256)(Tensor(np.ones((32, 100))))
        assert str(error.value) == (
            "Linear(784 -> 256) expects input whose last dimension is 784, got shape (32, 100)"
        )

    @pytest.mark.parametrize("shape", [(784,), (2, 3, 784), (5, 1, 2, 784)])
    def test_any_leading_axes_like_torch(self, shape):
        layer = Linear(784, 256)
        out = layer(Tensor(np.ones(shape)))
        assert out.shape == shape[:-1] + (256,)
        assert np.allclose(out.data, np.ones(shape) @ layer.weight.data + layer.bias.data, atol=1e-5)

    def test_zero_d_and_integer_input_are_refused(self):
        with pytest.raises(ValueError, match=r"Linear\(784 -> 256\) expects input of shape \(\*, 784\), got a 0-d tensor"):
            Linear(784, 256)(Tensor(1.0))
        with pytest.raises(TypeError, match=r"Linear\(3 -> 2\) expects a floating-point input, got dtype int64"):
            Linear(3, 2)(Tensor(np.array([[1, 2, 3]])))

    def test_non_tensor_input(self):
        with pytest.raises(TypeError, match=r"Linear\(3 -> 2\) expects a Tensor, got list"):
            Linear(3, 2)([[1.0, 2.0, 3.0]])

    @pytest.mark.parametrize("sizes", [(0, 3), (3, -1), (2.5, 3), (True, 3), ("3", 3)])
    def test_bad_sizes(self, sizes):
        with pytest.raises(ValueError, match="positive integer"):
            Linear(*sizes)


class TestDropout:
    def test_passthrough_cases_return_the_input_itself(self):
        x = Tensor([1.0, 2.0, 3.0])
        assert Dropout(0.5).forward(x, training=False) is x
        assert Dropout(0.0).forward(x, training=True) is x
        assert Dropout(0.5).eval()(x) is x

    def test_p_one_gives_zeros_keeping_requires_grad(self):
        x = Tensor([1.0, -2.0], requires_grad=True)
        y = Dropout(1.0).forward(x, training=True)
        assert np.all(y.data == 0) and y.requires_grad and y.shape == x.shape
        assert not Dropout(1.0)(Tensor([1.0])).requires_grad

    @pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.9])
    def test_inverted_scaling_is_exact(self, p):
        tinytorch.manual_seed(0)
        y = Dropout(p).forward(Tensor(np.ones(20000)), training=True).data
        survivors = y[y != 0]
        assert np.all(survivors == np.float32(1.0 / (1.0 - p))), "survivors scaled by exactly 1/(1-p)"
        assert abs(survivors.size / y.size - (1 - p)) < 0.02
        assert abs(y.mean() - 1.0) < 0.05, "expectation is preserved"

    def test_mask_is_applied_as_one_recorded_op(self):
        x = Tensor(np.ones((4, 4)), requires_grad=True)
        y = Dropout(0.5).forward(x, training=True)
        assert y.requires_grad and y._op == "dropout" and y._inputs == (x,)
        assert np.array_equal(y.data, x.data * y._saved["mask"]), "the saved mask is the one applied"

    def test_float64_input_stays_float64(self):
        y = Dropout(0.5).forward(Tensor(np.ones(10), dtype=np.float64), training=True)
        assert y.dtype == np.float64

    @pytest.mark.parametrize("values", [np.array([1, 2, 3]), np.array([True, False, True])], ids=["int64", "bool"])
    def test_integer_and_bool_input_as_pytorch(self, values):
        # As torch.nn.Dropout: passed through at p = 0 and in eval, zeros of its own dtype at p = 1,
        # and refused in between, where the survivors' 1/(1-p) does not fit the dtype.
        x = Tensor(values)
        assert Dropout(0.0)(x) is x and Dropout(0.3).eval()(x) is x
        zeros = Dropout(1.0)(x)
        assert zeros.dtype == values.dtype and not zeros.data.any(), f"expected {values.dtype} zeros, got {zeros}"
        with pytest.raises(TypeError, match=rf"Dropout\(p=0.3\) .* needs a floating-point Tensor, got dtype {values.dtype}"):
            Dropout(0.3)(x)

    def test_seeded_masks_are_reproducible(self):
        x = Tensor(np.ones(100))
        tinytorch.manual_seed(11)
        first = Dropout(0.5)(x).data
        tinytorch.manual_seed(11)
        assert np.array_equal(Dropout(0.5)(x).data, first)

    def test_mode_follows_module_unless_explicit(self):
        dropout = Dropout(0.5).eval()
        x = Tensor(np.ones(1000))
        assert dropout(x) is x
        assert np.count_nonzero(dropout(x, training=True).data) < 1000, "explicit training=True wins"
        dropout.train()
        assert dropout(x, training=False) is x, "explicit training=False wins"
        assert np.count_nonzero(dropout(x).data) < 1000

    @pytest.mark.parametrize("p", [-0.1, 1.1, float("nan"), "0.5", None, True])
    def test_invalid_p(self, p):
        with pytest.raises(ValueError, match="between 0 and 1"):
            Dropout(p)

    def test_non_tensor_input(self):
        with pytest.raises(TypeError, match=r"Dropout\(p=0.5\) expects a Tensor"):
            Dropout(0.5)(np.ones(3))

    def test_no_parameters_and_repr(self):
        assert Dropout(0.3).parameters() == [] and repr(Dropout(0.3)) == "Dropout(p=0.3)"


class TestModule:
    def make_model(self):
        return Sequential(Linear(6, 5), ReLU(), Dropout(0.5), Linear(5, 3))

    def test_custom_module_registers_attributes_recursively(self):
        class Net(Module):
            def __init__(self):
                self.encoder = Sequential(Linear(4, 3), ReLU())
                self.scale = Parameter([2.0])
                self.constant = Tensor([1.0], requires_grad=True)  # a plain tensor: not a parameter
                self.head = Linear(3, 2)

            def forward(self, x):
                return self.head(self.encoder(x)) * self.scale

        net = Net()
        names = [name for name, _ in net.named_parameters()]
        assert names == ["scale", "encoder.0.weight", "encoder.0.bias", "head.weight", "head.bias"]
        assert net(Tensor(np.ones((2, 4)))).shape == (2, 2)

    def test_shared_parameters_are_listed_once(self):
        shared = Linear(3, 3)
        model = Sequential(shared, ReLU(), shared)
        assert len(model.parameters()) == 2

    def test_train_eval_recursive_and_chainable(self):
        model = self.make_model()
        assert model.eval() is model
        assert not model.training and not model[0].training and not model[2].training
        assert model.train() is model and model[2].training

    def test_zero_grad(self):
        model = self.make_model()
        for p in model.parameters():
            p.grad = Tensor(np.ones(p.shape))
        model.zero_grad()
        assert all(p.grad is None for p in model.parameters())

    def test_state_dict_round_trip_copies(self):
        model = self.make_model()
        state = model.state_dict()
        assert list(state) == ["0.weight", "0.bias", "3.weight", "3.bias"]
        state["0.bias"][:] = 7  # a copy: the model must not change
        assert np.all(model[0].bias.data == 0)
        other = self.make_model()
        weight_array = other[0].weight.data
        missing, unexpected = other.load_state_dict(model.state_dict())
        assert (missing, unexpected) == ([], [])
        assert other[0].weight.data is weight_array, "loading copies in place (optimizers keep their references)"
        assert np.array_equal(other[3].weight.data, model[3].weight.data)

    def test_load_state_dict_errors_change_nothing(self):
        model = self.make_model()
        before = model.state_dict()
        bad_shape = {**model.state_dict(), "3.bias": np.zeros(4)}
        bad_shape["0.weight"] = np.ones((6, 5))
        with pytest.raises(ValueError, match=r"'3.bias' has shape \(4,\).*\(3,\)"):
            model.load_state_dict(bad_shape)
        assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items()), "nothing was loaded"
        with pytest.raises(KeyError, match=r"missing keys \['3.bias'\], unexpected keys \['extra'\]"):
            model.load_state_dict({**{k: v for k, v in before.items() if k != "3.bias"}, "extra": np.zeros(1)})
        missing, unexpected = model.load_state_dict({"0.bias": np.ones(5)}, strict=False)
        assert "0.weight" in missing and unexpected == [] and np.all(model[0].bias.data == 1)

    def test_forward_must_be_defined(self):
        with pytest.raises(NotImplementedError, match="Empty does not define forward"):
            type("Empty", (Module,), {})()(Tensor([1.0]))

    def test_sequential_repr_and_bad_layers(self):
        text = repr(self.make_model())
        assert "(0): Linear(in_features=6, out_features=5, bias=True)" in text and "(1): ReLU()" in text
        with pytest.raises(TypeError, match="layer 1"):
            Sequential(Linear(2, 2), 42)
        assert len(Sequential([Linear(2, 2), ReLU()])) == 2


class TestInitialisers:
    @pytest.mark.parametrize(
        "init, expected_std",
        [
            (lecun_normal, np.sqrt(1 / 500)),
            (xavier_normal, np.sqrt(2 / 800)),
            (xavier_uniform, np.sqrt(6 / 800) / np.sqrt(3)),
            (kaiming_normal, np.sqrt(2 / 500)),
            (kaiming_uniform, np.sqrt(6 / 500) / np.sqrt(3)),
        ],
    )
    def test_standard_formulas(self, init, expected_std):
        w = init(500, 300)
        assert w.shape == (500, 300) and w.dtype == np.float32
        assert abs(w.std() / expected_std - 1) < 0.02
        if "uniform" in init.__name__:
            bound = expected_std * np.sqrt(3)
            assert w.max() <= bound and w.min() >= -bound and w.max() > 0.99 * bound

    def test_gain(self):
        assert abs(xavier_normal(400, 400, gain=2.0).std() / (2 * np.sqrt(2 / 800)) - 1) < 0.03

    @pytest.mark.parametrize("init", [lecun_normal, xavier_uniform, kaiming_normal])
    def test_bad_fans(self, init):
        with pytest.raises(ValueError, match=f"{init.__name__}: fan_in"):
            init(0, 3)


def test_analysis_tables_show_the_seed_figures(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "modules" / "03_layers" / "layers_dev.py"
    spec = importlib.util.spec_from_file_location("layers_lesson", path)
    lesson = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lesson)
    lesson.analyze_layer_memory()
    lesson.analyze_layer_performance()
    out = capsys.readouterr().out
    assert "( 784,  256) ->   784.0 KB ->    1.0 KB ->   785.0 KB" in out
    assert "(2048, 2048) -> 16384.0 KB ->    8.0 KB -> 16392.0 KB" in out
    assert "Hidden= 256: 235,146 params =   0.9 MB" in out
    assert "Hidden=2048: 3,716,106 params =  14.2 MB" in out
    assert "        32 ->       6,422,528 ->         8,192 ->   6,430,720" in out
    assert "       512 ->     102,760,448 ->       131,072 -> 102,891,520" in out
