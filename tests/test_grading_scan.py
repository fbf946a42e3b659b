"""The grader's static scan (tito/grading/scan.py): honest code raises no flag, tampering does.

Fast: no sandbox, no grading. The slow proofs that a flag costs the points are in
tests/test_grading_adversarial.py; here every snippet is scanned as a module cell with the
course's own package for following names through tinytorch.
"""

import ast
import textwrap

import pytest

from conftest import REPO
from test_mistakes import catalogue, patched
from tito.grading.review import parse_cell
from tito.grading.scan import Package, bindings, class_names, scan
from tito.release_record import is_locked
from tito.sources import read_cells
from tito.workspace import all_modules

PACKAGE = Package(REPO)


def findings(code):
    tree = ast.parse(textwrap.dedent(code))
    return [str(finding) for finding in scan(tree, "cell.py", bindings([tree], PACKAGE), PACKAGE, class_names([tree]))]


def source_findings(text, tmp_path):
    """The findings in every code cell of a module source that a learner can change."""
    path = tmp_path / "module_dev.py"
    path.write_text(text)
    cells = [cell for cell in read_cells(path) if cell.kind == "code"]
    trees = [parse_cell(cell) for cell in cells]
    names, classes = bindings(trees, PACKAGE), class_names(trees)
    return [str(finding) for cell, tree in zip(cells, trees) if not is_locked(cell)
            for finding in scan(tree, path.name, names, PACKAGE, classes)]


@pytest.mark.parametrize("module", all_modules(REPO), ids=lambda module: module.slug)
def test_the_reference_solutions_raise_no_flag(module, tmp_path):
    assert source_findings(module.source.read_text(), tmp_path) == []


def test_no_mistake_of_the_catalogue_raises_a_flag(tmp_path):
    flagged = {f"{slug}/{mistake['id']}": found for slug, mistakes in catalogue().items() for mistake in mistakes
               if (found := source_findings(patched(slug, mistake), tmp_path))}
    assert flagged == {}


HONEST = {
    "numpy calls and dtypes": "import numpy as np\nx = np.zeros(3, dtype=np.float32)\ny = np.random.default_rng(0).normal(size=3)\n",
    "a class of its own with operators": "class T:\n    __array_ufunc__ = None\n    def __eq__(self, other):\n        return self\n",
    "object.__setattr__ in its own __setattr__": "class M:\n    def __setattr__(self, name, value):\n"
                                                 "        object.__setattr__(self, name, value)\n",
    "super().__setattr__": "class M:\n    def __setattr__(self, name, value):\n        super().__setattr__(name, value)\n",
    "vars(self) and self.__dict__": "class M:\n    def names(self):\n        return list(vars(self)) + list(self.__dict__)\n",
    "patching a tinytorch class": "from tinytorch.core.tensor import Tensor\ndef backward(self):\n    pass\nTensor.backward = backward\n",
    "an exception class": "class CheckpointError(ValueError):\n    pass\n",
    "an abstract base": "from abc import ABC, abstractmethod\nclass Dataset(ABC):\n    pass\n",
    "importlib for a tinytorch module": "import importlib\nimportlib.import_module('tinytorch.core.autograd')\n",
    "sys.stdout": "import sys\nif sys.stdout.isatty():\n    sys.stdout.write('x')\n",
    "a local variable named like a builtin": "def f(values):\n    max = values[0]\n    return max\n",
    "Tensor.view": "def f(m):\n    return m.view(3, 2)\n",
    "getattr on its own objects": "def f(module, name):\n    return getattr(module, name, None)\n",
    "a __future__ import": "from __future__ import annotations\n",
    "the name of a type": "def f(x):\n    return type(x).__name__ + x.__class__.__name__\n",
}


@pytest.mark.parametrize("code", HONEST.values(), ids=HONEST.keys())
def test_honest_code_raises_no_flag(code):
    assert findings(code) == []


DISHONEST = {
    "np.allclose = ...": ("import numpy as np\nnp.allclose = lambda *a, **k: True\n", "assigns or deletes numpy.allclose"),
    "a patch inside a function": ("import numpy\ndef f():\n    numpy.allclose = None\n", "numpy.allclose"),
    "a submodule's function": ("import numpy as np\nnp.random.seed = print\n", "numpy.random.seed"),
    "a standard library class": ("import json\njson.JSONEncoder.encode = str\n", "json.JSONEncoder.encode"),
    "a from-imported class": ("from json import JSONEncoder\nJSONEncoder.encode = str\n", "json.JSONEncoder.encode"),
    "del np.allclose": ("import numpy as np\ndel np.allclose\n", "numpy.allclose"),
    "an alias of numpy": ("import numpy as np\nm = np\nm.allclose = None\n", "hands the module numpy on"),
    "a submodule as a value": ("import numpy as np\nr = np.random\n", "hands the module numpy.random on"),
    "numpy through tinytorch": ("from tinytorch.core.tensor import np as n\nn.allclose = None\n", "numpy.allclose"),
    "a tinytorch module": ("from tinytorch.core import tensor\ntensor.np.allclose = None\n", "numpy.allclose"),
    "setattr with a built name": ("import numpy\nsetattr(numpy, 'all' + 'close', None)\n", "uses setattr"),
    "vars(numpy)": ("import numpy as np\nvars(np)['allclose'] = None\n", "vars()"),
    "numpy.__dict__": ("import numpy as np\nnp.__dict__['allclose'] = None\n", "__dict__"),
    "getattr(__builtins__, ...)": ("f = getattr(__builtins__, 'set' + 'attr')\n", "uses __builtins__"),
    "getattr on a module": ("import numpy as np\nf = getattr(np, 'all' + 'close')\n", "by getattr()"),
    "import builtins": ("import builtins\n", "imports builtins"),
    "importlib with a computed name": ("import importlib\nimportlib.import_module('num' + 'py')\n", "importlib.import_module"),
    "from importlib": ("from importlib import import_module\n", "from importlib"),
    "exec": ("exec('x = 1')\n", "uses exec"),
    "eval": ("eval('1')\n", "uses eval"),
    "compile": ("compile('1', 'x', 'eval')\n", "uses compile"),
    "__import__": ("__import__('numpy')\n", "uses __import__"),
    "globals()": ("globals()['np'] = None\n", "uses globals"),
    "sys.modules": ("import sys\nsys.modules['numpy'].allclose = None\n", "sys.modules"),
    "sys._getframe": ("import sys\nf = sys._getframe()\n", "sys._getframe"),
    "a frame's f_back": ("def f(frame):\n    return frame.f_back.f_locals\n", "uses .f_back"),
    "__code__": ("def f(g):\n    g.__code__ = None\n", "uses .__code__"),
    "__globals__ by getattr": ("def f(g):\n    return getattr(g, '__globals__')\n", "reads __globals__"),
    "__subclasses__": ("x = object.__subclasses__()\n", "uses .__subclasses__"),
    "__class__ assignment": ("def f(x, c):\n    x.__class__ = c\n", "assigns __class__"),
    "an ndarray subclass": ("import numpy as np\nclass Yes(np.ndarray):\n    pass\n", "subclasses numpy.ndarray"),
    "a float subclass": ("class Agreeable(float):\n    __eq__ = lambda self, other: True\n", "subclasses the value type float"),
    "a numpy scalar subclass": ("import numpy\nclass F(numpy.float64):\n    pass\n", "subclasses numpy.float64"),
    "view as a class": ("class Yes:\n    pass\ndef f(a):\n    return a.view(Yes)\n", "views an array as a class"),
    "view with type=": ("def f(a, c):\n    return a.view(type=c)\n", "views an array as a class"),
    "type() with three arguments": ("import numpy as np\nYes = type('Yes', (np.ndarray,), {})\n", "type(name, bases"),
    "__array_function__": ("class T:\n    def __array_function__(self, *a):\n        return True\n", "__array_function__"),
    "np.ma": ("import numpy as np\nx = np.ma.masked_all(3)\n", "numpy.ma"),
    "np.matrix": ("import numpy as np\nx = np.matrix([1])\n", "numpy.matrix"),
    "a shadowed builtin": ("def abs(value):\n    return 0.0\n", "binds the builtin name 'abs'"),
    "a shadowed builtin by assignment": ("all = lambda *a: True\n", "binds the builtin name 'all'"),
    "a rebound import": ("import numpy as np\nnp = None\n", "rebinds 'np'"),
    "a global builtin": ("def f():\n    global len\n    len = None\n", "declares 'len' global"),
    "object.__setattr__ on a module": ("import numpy as np\nobject.__setattr__(np, 'allclose', None)\n", "__setattr__"),
    "a metaclass": ("class M(type):\n    pass\nclass T(metaclass=M):\n    pass\n", "metaclass"),
    "gc": ("import gc\n", "imports gc"),
    "ctypes": ("import ctypes\n", "imports ctypes"),
    "a private module": ("import _thread\n", "imports _thread"),
}


@pytest.mark.parametrize("code, construct", DISHONEST.values(), ids=DISHONEST.keys())
def test_tampering_is_flagged_with_its_line(code, construct):
    found = findings(code)
    assert any(construct in text for text in found), found
    last_line = len(code.rstrip("\n").split("\n"))
    assert all(text.startswith("cell.py:") and 1 <= int(text.split(":")[1]) <= last_line for text in found), found


def test_code_too_deep_to_read_is_flagged_not_crashed():
    tree = ast.parse("x = " + "-" * 1000 + "1\n")
    assert [finding.construct for finding in scan(tree, "cell.py", {}, PACKAGE)] == ["code nested too deeply to be read"]
