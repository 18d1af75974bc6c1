"""``python -m vrest.codegen`` runs the vrest command line."""

import sys

from .cli import main

sys.exit(main())
