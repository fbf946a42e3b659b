"""A static look at the learner's code, in the grader's own process, before any of it runs.

The runner's guard (cell_runner.py) sees what graded code does, but only at the moments it
checks, and only in a process the learner's code shares: a patch of numpy made and undone
within one test, or data whose `==` always agrees, leaves it nothing to see. This scan reads
the code instead, where the learner's code cannot reach, and flags the constructs such
tricks are made of and that no honest solution of the course needs (the reference solutions
of every module, and every mistake of the catalogue in tests/mistakes, raise no flag):

- changing what a library module holds: assigning or deleting an attribute on anything
  reached from an imported module (`np.allclose = ...`, `json.JSONEncoder.encode = ...`),
  rebinding a name that an import bound, handing a module on as a value (`m = np`,
  `setattr(np, ...)`, `vars(np)`), `setattr`/`delattr` at all;
- running code or reaching namespaces by name: `exec`, `eval`, `compile`, `__import__`,
  `globals()`, `locals()`, `__builtins__`, `importlib` beyond importing a tinytorch module
  named by a literal, `sys` beyond its streams and constants, and modules that exist for
  introspection or process control (builtins, gc, ctypes, inspect, types, ...);
- reaching inside functions, frames and classes: `__code__`, `__globals__`,
  `__subclasses__`, `f_back`, `tb_frame`, `__dict__` of anything but `self`, `__class__`
  assignment, `__setattr__` other than `object.__setattr__(self, ...)`;
- data that answers a test's question itself: subclassing numpy's or Python's value types,
  numpy's override hooks (`__array_ufunc__`, `__array_function__`, ...), `.view(<class>)`,
  classes made by `type(name, bases, namespace)`, numpy's own ndarray subclasses;
- shadowing a builtin in the namespace every graded cell shares (`def abs(...)` at the top
  level), which a locked test would then call.

A finding does not stop the cell from running: the graded tests it can affect score 0 and
are flagged "needs-review" with the finding's `file:line` (tito.grading.grade decides which).
"""

import ast
import builtins
import sys
from dataclasses import dataclass

import numpy

COURSE_PACKAGE = "tinytorch"
# Modules whose only uses in graded code are introspection, code loading or process control.
REFUSED_MODULES = frozenset({
    "builtins", "gc", "ctypes", "inspect", "types", "marshal", "runpy", "code", "codeop", "dis", "opcode",
    "signal", "subprocess", "multiprocessing", "threading", "socket", "atexit", "faulthandler", "site",
    "sysconfig", "pty", "resource", "unittest", "importlib.util", "importlib.machinery",
})
SYS_ALLOWED = frozenset({"stdout", "stderr", "version_info", "platform", "maxsize", "float_info", "byteorder",
                         "getrecursionlimit", "exc_info"})
REFUSED_NAMES = frozenset({"exec", "eval", "compile", "__import__", "globals", "locals", "breakpoint",
                           "__builtins__", "setattr", "delattr", "__build_class__", "__loader__", "__spec__"})
REFUSED_ATTRIBUTES = frozenset({
    "__code__", "__globals__", "__builtins__", "__closure__", "__defaults__", "__kwdefaults__", "__subclasses__",
    "__bases__", "__base__", "__mro__", "__loader__", "__spec__", "__getattribute__", "__reduce__",
    "__reduce_ex__", "__traceback__", "f_back", "f_locals", "f_globals", "f_builtins", "f_code", "f_trace",
    "tb_frame", "tb_next", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code",
})
NUMPY_HOOKS = frozenset({"__array_ufunc__", "__array_function__", "__array_finalize__", "__array_wrap__",
                         "__array_prepare__", "__array_priority__", "__array_interface__", "__array_struct__"})
VALUE_TYPES = frozenset({"int", "float", "complex", "bool", "str", "bytes", "bytearray", "tuple", "list", "dict",
                         "set", "frozenset", "type", "memoryview", "range", "slice"})
BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_")) | {"__import__"}


@dataclass(frozen=True)
class Finding:
    path: str  # workspace-relative
    line: int
    construct: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.construct}"


@dataclass(frozen=True)
class Binding:
    """What an imported name refers to: a dotted path, and whether it is the course's package."""
    dotted: str
    course: bool
    module: bool  # known to be a module

    def attribute(self, name, package):
        dotted = f"{self.dotted}.{name}"
        if self.course:
            inner = package.imported_names(self.dotted).get(name)
            if inner is not None:
                return inner  # a library name that a course module imported, reached through it
            return Binding(dotted, True, package.is_module(dotted))
        return Binding(dotted, False, _is_module(_library_object(dotted)))

    def value(self):
        return None if self.course else _library_object(self.dotted)


def bindings(trees, package):
    """{name: Binding} of every name the imports in `trees` bind, at any depth."""
    found = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    dotted = alias.name if alias.asname else top
                    found[alias.asname or top] = Binding(dotted, top == COURSE_PACKAGE, True)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level and node.module != "__future__":
                base = Binding(node.module, node.module.split(".")[0] == COURSE_PACKAGE, True)
                for alias in node.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = base.attribute(alias.name, package)
    return found


def scan(tree, path, names, package, defined_classes=frozenset()):
    """The Findings in one parsed cell or file; `names` are the import bindings its namespace holds."""
    scanner = _Scanner(path, names, package, defined_classes)
    try:
        _link_parents(tree)
        scanner.visit(tree)
    except RecursionError:
        scanner.flag(tree.body[0] if tree.body else tree, "code nested too deeply to be read")
    return scanner.found


def class_names(trees):
    return frozenset(node.name for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef))


class _Scanner(ast.NodeVisitor):
    def __init__(self, path, names, package, defined_classes):
        self.path, self.names, self.package, self.classes = path, names, package, defined_classes
        self.found, self.depth = [], 0

    def flag(self, node, construct):
        self.found.append(Finding(self.path, getattr(node, "lineno", 0), construct))

    # --- imports --------------------------------------------------------------------------
    def visit_Import(self, node):
        for alias in node.names:
            self._check_import(node, alias.name)
            self._check_binding(node, alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if module in ("importlib", "sys", "builtins") or module.startswith("importlib."):
            self.flag(node, f"imports names from {module}")
        for alias in node.names:
            self._check_import(node, f"{module}.{alias.name}" if module else alias.name)
            if alias.name == "*" and node.level == 0 and module.split(".")[0] != COURSE_PACKAGE:
                self.flag(node, f"imports * from {module}")
            self._check_binding(node, alias.asname or alias.name)

    def _check_import(self, node, dotted):
        parts = dotted.split(".")
        private = parts[0].startswith("_") and parts[0] != "__future__"
        if private or any(".".join(parts[:i]) in REFUSED_MODULES for i in range(1, len(parts) + 1)):
            self.flag(node, f"imports {dotted}")

    def _check_binding(self, node, name):
        if self.depth == 0 and name in BUILTIN_NAMES:
            self.flag(node, f"binds the builtin name {name!r} for every cell")

    # --- scopes and bindings ----------------------------------------------------------------
    def visit_FunctionDef(self, node):
        if node.name in NUMPY_HOOKS:
            self.flag(node, f"defines {node.name}, numpy's hook for answering its functions itself")
        self._define(node, node.name)
        self._nested(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._nested(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda  # scopes of their own

    def visit_ClassDef(self, node):
        self._define(node, node.name)
        for base in node.bases:
            self._check_base(node, base)
        for keyword in node.keywords:
            if keyword.arg == "metaclass" and not self._is_library(keyword.value, "abc.ABCMeta"):
                self.flag(node, f"gives {node.name} a metaclass")
        self._nested(node)

    def visit_Global(self, node):
        for name in node.names:
            if name in BUILTIN_NAMES or name in self.names:
                self.flag(node, f"declares {name!r} global, which names a builtin or an import")

    def _nested(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def _define(self, node, name):
        if self.depth == 0 and name in BUILTIN_NAMES:
            self.flag(node, f"binds the builtin name {name!r} for every cell")
        elif self.depth == 0 and name in self.names and not self.names[name].course:
            self.flag(node, f"rebinds {name!r}, which names the imported {self.names[name].dotted}")

    def _check_base(self, node, base):
        if isinstance(base, ast.Name) and base.id in VALUE_TYPES:
            self.flag(node, f"subclasses the value type {base.id}")
            return
        binding = self._binding(base)
        if binding is None or binding.course:
            return
        value = binding.value()
        if not (isinstance(value, type) and (issubclass(value, BaseException) or value.__module__ == "abc")):
            self.flag(node, f"subclasses {binding.dotted}")

    # --- names and attributes -----------------------------------------------------------------
    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            if node.id in REFUSED_NAMES:
                self.flag(node, f"uses {node.id}")
            elif node.id in self.names and self.names[node.id].module and not _is_attribute_base(node):
                self.flag(node, f"hands the module {self.names[node.id].dotted} on as a value")
        else:
            if node.id in NUMPY_HOOKS and not _opts_out(node):
                self.flag(node, f"defines {node.id}, numpy's hook for answering its functions itself")
            self._define(node, node.id)

    def visit_Attribute(self, node):
        name, parent = node.attr, node.parent
        if name in REFUSED_ATTRIBUTES:
            self.flag(node, f"uses .{name}")
        elif name == "__dict__" and not _is_self(node.value):
            self.flag(node, "uses the __dict__ of something other than self")
        elif name == "__class__" and not isinstance(node.ctx, ast.Load):
            self.flag(node, "assigns __class__")
        elif name in ("__setattr__", "__delattr__") and not _is_own_setattr(node):
            self.flag(node, f"calls {name} on something other than self")
        elif name == "view" and isinstance(parent, ast.Call) and parent.func is node and _views_as_class(parent, self.classes):
            self.flag(node, "views an array as a class of its own")
        binding = self._binding(node.value)
        if binding is not None:
            self._check_library_attribute(node, binding)
        self.generic_visit(node)

    def _check_library_attribute(self, node, binding):
        dotted = f"{binding.dotted}.{node.attr}"
        if not isinstance(node.ctx, ast.Load) and (binding.module or not binding.course):
            self.flag(node, f"assigns or deletes {dotted}, an attribute of an imported module or class")
            return
        if binding.dotted == "sys" and node.attr not in SYS_ALLOWED:
            self.flag(node, f"uses {dotted}")
        elif binding.dotted == "importlib" and not _imports_course_module(node):
            self.flag(node, f"uses {dotted} other than to import a tinytorch module named by a literal")
        attribute = binding.attribute(node.attr, self.package)
        value = attribute.value()
        if attribute.module and not _is_attribute_base(node):
            self.flag(node, f"hands the module {dotted} on as a value")
        elif not attribute.course and (value is numpy.ma or isinstance(value, type) and issubclass(value, numpy.ndarray)
                                       and value is not numpy.ndarray):
            self.flag(node, f"uses {dotted}, an ndarray that compares in its own way")

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name):
            if func.id == "vars" and not (len(node.args) == 1 and isinstance(node.args[0], ast.Name)
                                          and node.args[0].id not in self.names):
                self.flag(node, "uses vars() on something other than an object of its own")
            elif func.id in ("getattr", "hasattr") and node.args and self._binding(node.args[0]) is not None:
                self.flag(node, f"reads an attribute of {self._binding(node.args[0]).dotted} by {func.id}()")
            elif func.id in ("getattr", "hasattr") and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                    and node.args[1].value in REFUSED_ATTRIBUTES | {"__dict__", "__class__"}:
                self.flag(node, f"reads {node.args[1].value} by {func.id}()")
            elif func.id == "type" and len(node.args) == 3:
                self.flag(node, "makes a class with type(name, bases, namespace)")
        self.generic_visit(node)

    def _binding(self, node):
        """The Binding of a name or attribute chain that starts at an imported name, else None."""
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            inner = self._binding(node.value)
            return inner.attribute(node.attr, self.package) if inner is not None else None
        return None

    def _is_library(self, node, dotted):
        binding = self._binding(node)
        return binding is not None and not binding.course and binding.dotted == dotted


def _link_parents(tree):
    tree.parent = None
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node


def _is_attribute_base(node):
    """True when `node` is only the object of an attribute lookup (`np` in `np.zeros`)."""
    parent = node.parent
    return isinstance(parent, ast.Attribute) and parent.value is node


def _opts_out(node):
    """`__array_ufunc__ = None`: numpy then leaves the operator to the class (Module 01's Tensor does)."""
    parent = node.parent
    return isinstance(parent, ast.Assign) and isinstance(parent.value, ast.Constant) and parent.value.value is None


def _is_self(node):
    return isinstance(node, ast.Name) and node.id == "self"


def _is_own_setattr(node):
    """`object.__setattr__(self, ...)` or `super().__setattr__(...)`, as a class does in its own __setattr__."""
    call = node.parent
    if not (isinstance(call, ast.Call) and call.func is node):
        return False
    if isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) and node.value.func.id == "super":
        return True
    return isinstance(node.value, ast.Name) and node.value.id == "object" and bool(call.args) and _is_self(call.args[0])


def _views_as_class(call, classes):
    if any(keyword.arg == "type" for keyword in call.keywords):
        return True
    return len(call.args) == 1 and isinstance(call.args[0], ast.Name) and call.args[0].id in classes


def _imports_course_module(node):
    """`importlib.import_module("tinytorch....")`: how Module 01 reaches later modules without a cycle."""
    call = node.parent
    return (node.attr == "import_module" and isinstance(call, ast.Call) and call.func is node and len(call.args) == 1
            and not call.keywords and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
            and call.args[0].value.startswith(COURSE_PACKAGE + "."))


def _library_object(dotted):
    """The object a library's dotted path names, from modules this process already holds; None if unknown.

    Nothing is imported for it: the learner's code names the modules, and importing some runs code.
    """
    parts = dotted.split(".")
    for size in range(len(parts), 0, -1):
        found = sys.modules.get(".".join(parts[:size]))
        if found is not None:
            for part in parts[size:]:
                try:
                    found = getattr(found, part)
                except Exception:  # any attribute lookup can fail; unknown then
                    return None
            return found
    return None


def _is_module(value):
    return isinstance(value, type(sys))


class Package:
    """The course package of the graded copy, for following names through its modules."""

    def __init__(self, root):
        self.root = root
        self._names = {}

    def path(self, dotted):
        base = self.root.joinpath(*dotted.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def is_module(self, dotted):
        return self.path(dotted) is not None

    def imported_names(self, dotted):
        """{name: Binding} of the library names a course module imports at its top level."""
        if dotted not in self._names:
            self._names[dotted] = {}
            tree = parse_file(self.path(dotted)) if self.path(dotted) else None
            if tree is not None:
                top = ast.Module(body=[node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))],
                                 type_ignores=[])
                self._names[dotted] = {name: binding for name, binding in bindings([top], self).items()
                                       if not binding.course}
        return self._names[dotted]


def parse_file(path):
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
