"""`python -m tito` runs the same command line as the `tito` script."""

import sys

from tito.cli import main

sys.exit(main())
