"""tito: the command-line workflow that exports, tests and grades tinytorch modules."""

__version__ = "0.1.0"

# The oldest Python tinytorch and tito run on, the one CI tests. pyproject's requires-python, both
# READMEs and `tito doctor` say the same; tests/test_tito_doctor.py checks that they agree.
MIN_PYTHON = (3, 11)
