"""Run a module's notebook headless, cell by cell, through a real Jupyter kernel (nbclient + ipykernel)."""

import logging
import re
import tempfile
from dataclasses import dataclass

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from tito.notebooks import read_notebook, write_notebook
from tito.processes import Stopped, workspace_env

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class CellFailure:
    index: int  # position of the cell in the notebook, from 0
    label: str  # its nbgrader grade_id, or its first line
    error: str  # "NotImplementedError: ..." or what stopped the kernel
    traceback: str = ""


def execute_notebook(module, timeout=300, on_cell=None):
    """Execute every code cell of `module`'s notebook in order, the workspace's package importable.

    Stops at the first cell that fails and returns a CellFailure naming it, or None when all
    ran. The outputs are saved into the notebook either way (the cells' sources are untouched).
    `on_cell(done, total)` is called after each code cell.
    """
    notebook = read_notebook(module.notebook)
    root = str(module.root)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": root}},
    )
    code = [(index, cell) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    failure, index = None, 0
    # The kernel's own log (not the cells' output, which arrives as messages) goes to a file:
    # it is noise while all goes well, and the explanation when the kernel dies.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as kernel_log:
        try:
            with client.setup_kernel(env=workspace_env(root), cwd=root, stderr=kernel_log):
                for done, (index, cell) in enumerate(code, start=1):
                    failure = _execute_cell(client, cell, index, timeout)
                    if on_cell:
                        on_cell(done, len(code))
                    if failure:
                        break
        except DeadKernelError as error:
            kernel_log.seek(0)
            failure = CellFailure(index, _label(notebook.cells[index]), f"the kernel died: {error}", kernel_log.read()[-2000:])
        except (KeyboardInterrupt, Stopped):
            # The kernel is shut down by now, but the interrupted cell's task is left pending in
            # nbclient's event loop; asyncio would print it, traceback and all, when it is collected.
            logging.getLogger("asyncio").setLevel(logging.CRITICAL)
            raise
    write_notebook(module.notebook, notebook)
    return failure


def _execute_cell(client, cell, index, timeout):
    try:
        client.execute_cell(cell, index)
    except CellExecutionError as error:
        return CellFailure(index, _label(cell), f"{error.ename}: {error.evalue}", _ANSI.sub("", error.traceback))
    except CellTimeoutError:
        return CellFailure(index, _label(cell), f"did not finish within {timeout} seconds")
    return None


def _label(cell):
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    first = next((line for line in cell.source.split("\n") if line.strip()), "")
    return f"{grade_id} ({first.strip()})" if grade_id else first.strip()
