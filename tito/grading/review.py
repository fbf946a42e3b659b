"""Which graded cells the static scan (tito/grading/scan.py) sends to a human's review, and why.

The scan reads every piece of the learner's code that a graded cell can run: the module's own
cells that run from the workspace (a locked cell runs from the instructor's record, so it is
the instructor's code), and the course package of the graded copy: each module's exported
file (scanned in its module source, so that findings carry the learner's own line numbers)
and every other file of the package that differs from the course's own copy.

A finding in a module's cell affects that module's graded cells after it (each graded cell
runs the cells before it). A finding in exported code, or in a package file, affects every
graded cell of every module whose code can import that file, followed through the imports
of the package's files; `import tinytorch` or `from tinytorch import Name` (the package's
lazy names) count as importing all of it. Dynamic imports are themselves findings, so the
static import graph is the whole graph of honest code.
"""

import ast
import importlib.util
from pathlib import Path

from tito.grading.scan import COURSE_PACKAGE, Finding, Package, bindings, class_names, parse_file, scan
from tito.sources import read_cells

SHOWN = 5  # findings named in a graded test's message
ALL = "*"  # stands for every file of the package


class Review:
    """The scan of a graded copy: `findings(slug, index)` for the graded cell at `index` of a module."""

    def __init__(self, copy, modules, runs_from_record):
        """`modules` are the copy's ModuleInfo; `runs_from_record(slug, cell)` is True for a cell the
        grader takes from the instructor's record instead of the workspace."""
        self.copy, self.package = copy, Package(copy)
        self._file_imports = {}  # dotted -> what that package file imports (the copy does not change while planning)
        self.own, self.reached, tainted, exported = {}, {}, {}, {}
        for module in modules:
            try:
                cells = read_cells(module.source)
            except Exception:  # an unreadable module is not graded; the grader says so elsewhere
                continue
            try:
                target = self._scan_module(module, cells, runs_from_record)
            except Exception as error:  # malformed metadata, say: the module scores 0 elsewhere; flag it here too
                path = module.source.relative_to(copy).as_posix()
                self.own[module.slug] = [(0, Finding(path, 0, f"could not be scanned ({type(error).__name__})"))]
                continue
            if target:
                exported[module.slug] = target
                in_exports = [finding for index, finding in self.own[module.slug] if "export" in cells[index].directives]
                if in_exports:
                    tainted[target] = in_exports
        tainted.update(self._scan_package_files(set(exported.values())))
        self.tainted = tainted

    def findings(self, slug, index):
        """The findings that can affect the graded cell at cell `index` of module `slug`."""
        found = [finding for at, finding in self.own.get(slug, []) if at < index]
        reached = self._closure(self.reached.get(slug, set()))
        for dotted, from_file in sorted(self.tainted.items()):
            if ALL in reached or dotted in reached:
                found += [finding for finding in from_file if finding not in found]
        return found

    def _scan_module(self, module, cells, runs_from_record):
        """Scan the module's cells that run from the workspace and note what it imports; return its export target."""
        path = module.source.relative_to(self.copy).as_posix()
        trees = [parse_cell(cell) if cell.kind == "code" else None for cell in cells]
        parsed = [tree for tree in trees if tree is not None]
        names, classes = bindings(parsed, self.package), class_names(parsed)
        self.own[module.slug] = [(index, finding) for index, (cell, tree) in enumerate(zip(cells, trees))
                                 if tree is not None and not runs_from_record(module.slug, cell)
                                 for finding in scan(tree, path, names, self.package, classes)]
        self.reached[module.slug] = self._imports_of(parsed)
        target = next((cell.directives["default_exp"] for cell in cells if "default_exp" in cell.directives), None)
        return f"{COURSE_PACKAGE}.{target}" if target else None

    def _scan_package_files(self, exported):
        """{dotted: [Finding]} of the package's files that no module exports and that differ from the course's."""
        course = _course_package()
        found = {}
        for path in sorted((self.copy / COURSE_PACKAGE).rglob("*.py")):
            dotted = _dotted(path, self.copy)
            relative = path.relative_to(self.copy)
            if dotted in exported or (course and _same_file(path, course.parent / relative)):
                continue
            tree = parse_file(path)
            findings = (scan(tree, relative.as_posix(), bindings([tree], self.package), self.package, class_names([tree]))
                        if tree is not None else [])
            if findings:
                found[dotted] = findings
        return found

    def _imports_of(self, trees, within=None):
        """The dotted names of the course package that `trees` import (ALL for the whole package)."""
        found = set()
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    if any(alias.name.split(".")[0] == COURSE_PACKAGE for alias in node.names):
                        return {ALL}  # the name `tinytorch` reaches every module through the lazy names
                elif isinstance(node, ast.ImportFrom):
                    base = _absolute(node, within)
                    if base is None or base.split(".")[0] != COURSE_PACKAGE:
                        continue
                    found.add(base)
                    for alias in node.names:
                        if self.package.is_module(f"{base}.{alias.name}"):
                            found.add(f"{base}.{alias.name}")
                        elif base == COURSE_PACKAGE or alias.name == "*":
                            return {ALL}
                elif _is_course_import_call(node):
                    found.add(node.args[0].value)
        return found

    def _closure(self, start):
        """Every file that importing `start` can run: parent packages and imports, transitively."""
        seen, todo = set(), list(start)
        while todo:
            dotted = todo.pop()
            if dotted == ALL:
                return {ALL}
            if dotted in seen:
                continue
            seen.add(dotted)
            parts = dotted.split(".")
            todo += [".".join(parts[:size]) for size in range(1, len(parts))]
            todo += self._imports_of_file(dotted)
        return seen

    def _imports_of_file(self, dotted):
        if dotted not in self._file_imports:
            path = self.package.path(dotted)
            tree = parse_file(path) if path else None
            package = dotted if path and path.name == "__init__.py" else dotted.rpartition(".")[0]
            self._file_imports[dotted] = self._imports_of([tree], within=package) if tree is not None else set()
        return self._file_imports[dotted]


def parse_cell(cell):
    """A code cell parsed with its own line numbers, or None when it is not valid Python."""
    try:
        return ast.parse("\n" * max(cell.line - 1, 0) + cell.source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # it cannot run either
        return None


def _absolute(node, within):
    if not node.level:
        return node.module
    if within is None:
        return None
    parts = within.split(".")
    if node.level - 1 > len(parts):
        return None
    base = parts[:len(parts) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_course_import_call(node):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            and node.args[0].value.startswith(COURSE_PACKAGE + "."))


def _dotted(path, root):
    parts = list(Path(path).relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _course_package():
    """The folder of the course package installed with the grader (its hand-written files are trusted)."""
    spec = importlib.util.find_spec(COURSE_PACKAGE)
    return Path(spec.origin).parent if spec and spec.origin else None


def _same_file(path, reference):
    try:
        return reference.is_file() and path.read_bytes() == reference.read_bytes()
    except OSError:
        return False
