"""tito: the command-line workflow that exports, tests and grades tinytorch modules."""

__version__ = "0.1.0"
