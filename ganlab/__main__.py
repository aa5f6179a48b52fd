"""``python -m ganlab``: see :mod:`ganlab.cli`."""

import os

# Before TensorFlow is imported: its C++ start-up logging (TensorFlow's own
# and absl's) is not for the command line's user.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")

import sys  # noqa: E402

from ganlab.cli import main  # noqa: E402

sys.exit(main())
