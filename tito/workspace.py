"""Where the workspace is, and which module a name like `03`, `layers` or `03_layers` means."""

import re
from dataclasses import dataclass
from pathlib import Path

_MODULE_DIR = re.compile(r"^(\d\d)_([a-z][a-z0-9_]*)$")


class WorkspaceError(Exception):
    """A problem with the workspace or a module name, explained for the user."""


@dataclass(frozen=True)
class ModuleInfo:
    number: str  # "03"
    name: str  # "layers"
    root: Path  # the workspace root

    @property
    def slug(self):
        return f"{self.number}_{self.name}"

    @property
    def folder(self):
        return self.root / "modules" / self.slug

    @property
    def source(self):
        return self.folder / f"{self.name}_dev.py"

    @property
    def notebook(self):
        return self.folder / f"{self.name}_dev.ipynb"


def find_root(start=None):
    """The nearest folder, from `start` (default: the current one) upwards, holding modules/ and tinytorch/."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "modules").is_dir() and (folder / "tinytorch").is_dir():
            return folder
    raise WorkspaceError(
        f"no tinytorch workspace at {start} or above it "
        "(a workspace is a folder holding both modules/ and tinytorch/)"
    )


def all_modules(root):
    """Every module of the workspace, in course order."""
    found = []
    for folder in sorted((Path(root) / "modules").iterdir()):
        match = _MODULE_DIR.match(folder.name)
        if match and (folder / f"{match.group(2)}_dev.py").is_file():
            found.append(ModuleInfo(match.group(1), match.group(2), Path(root)))
    return found


def resolve_module(root, name):
    """The module called `name`: its number (`3`, `03`), its name (`layers`) or both (`03_layers`)."""
    modules = all_modules(root)
    wanted = name.strip().lower().removesuffix("_dev.py").removesuffix("_dev")
    for module in modules:
        if wanted in (module.slug, module.name) or (wanted.isdigit() and int(wanted) == int(module.number)):
            return module
    known = ", ".join(module.slug for module in modules) or "none"
    raise WorkspaceError(f"no module called {name!r}; the modules are: {known}")
