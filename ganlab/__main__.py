"""``python -m ganlab``: see :mod:`ganlab.cli`."""

import sys

from ganlab.cli import main

sys.exit(main())
