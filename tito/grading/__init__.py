"""Grading you can trust: each graded cell of a learner's module runs sandboxed, and the grader decides.

- grade.py: `tito grade`, from the release record to the report;
- sandbox.py: the bubblewrap sandbox and the caps each cell runs under;
- cell_runner.py: what runs inside it (the only grader file the learner's code can see);
- verdict.py: reading a cell's verdict from what its process sent;
- scratch.py: the scratch copy of the workspace, cleaned up even after an interruption.
"""
