"""``python -m xiaoqu.core.cli``: the same as the ``xiaoqu`` command."""
import sys

from xiaoqu.core.cli import main

sys.exit(main())
