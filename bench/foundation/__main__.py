"""``python -m bench.foundation``: see :mod:`bench.foundation.run`."""

from bench.foundation.run import main

raise SystemExit(main())
