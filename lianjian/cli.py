"""The ``lianjian`` console script: our commands and Django's, behind one name.

``lianjian demo``, ``lianjian user add``, ``lianjian import`` … are Django management
commands of the apps; any other word goes to Django (``lianjian migrate``). Usage errors
exit 2 (argparse), bad input exits 1 with Chinese messages, one per line; so does a write
that lost a race on a unique key (:mod:`lianjian.core.conflicts`).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else ["lianjian", *argv])
    args[0] = "lianjian"
    if len(args) > 1 and args[1] == "group":
        # The grouping engine is pure Python: no settings, no database.
        from lianjian.grouping.cli import main as group_main

        raise SystemExit(group_main(args[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
    from django.core.management import execute_from_command_line
    from django.db import IntegrityError

    try:
        execute_from_command_line(args)
    except IntegrityError as exc:
        # Another process wrote the same key at the same moment (e.g. two `user add` of one
        # name); the command's transaction was rolled back. Said like the screens say it.
        from lianjian.core.conflicts import conflict_message, is_lost_race

        if not is_lost_race(exc):
            raise
        sys.stderr.write(conflict_message(exc) + "\n")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
