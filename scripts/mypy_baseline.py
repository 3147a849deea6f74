"""mypy with a baseline that only shrinks (docs/decisions/0002-layers-and-types.md).

``python scripts/mypy_baseline.py`` (``make typecheck``) runs mypy as ``pyproject.toml``
configures it and compares the result with ``mypy-baseline.txt``. It fails when

- an error is not in the baseline — fix it;
- a baseline entry no longer occurs — the baseline shrinks with the code: run ``--update``
  and commit the shorter file;
- a module is neither strict (the strict list in ``pyproject.toml``) nor one of the
  baseline's not-yet-strict modules — every new module is strict: add it to the list;
- a not-yet-strict module has become strict or no longer exists — ``--update``.

Entries carry no line numbers, so that an edit elsewhere in a file does not churn the
baseline: a file's errors are compared as a multiset of (error code, message).

``--update`` rewrites the baseline from this run, dropping what was fixed. It refuses to
add anything unless ``--accept-new`` is given as well — for code moved from one module to
another, whose errors move with it; the diff of the baseline shows what was accepted.
Errors of strict modules are never accepted.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"
BASELINE = ROOT / "mypy-baseline.txt"

_HEADER = """\
# mypy baseline — written by `scripts/mypy_baseline.py --update`, checked by `make typecheck`.
# See docs/decisions/0002-layers-and-types.md. Both lists may only shrink.
"""
_MODULES = "[not yet strict]"
_ERRORS = "[errors]"
# "… already defined on line 132": a line number inside a message churns like any other.
_LINE_REFERENCE = re.compile(r"\bline \d+\b")


@dataclass(frozen=True, order=True)
class Entry:
    """One error without its position: the file, mypy's error code and the message."""

    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: [{self.code}] {self.message}"

    @classmethod
    def parse(cls, line: str) -> Entry:
        path, _, rest = line.partition(": [")
        code, _, message = rest.partition("] ")
        if not path or not code or not message:
            raise ValueError(f"not a baseline entry: {line!r}")
        return cls(path, code, message)


@dataclass
class Baseline:
    """The not-yet-strict modules (their files) and their known errors."""

    modules: set[str] = field(default_factory=set)
    errors: Counter[Entry] = field(default_factory=Counter)

    @classmethod
    def read(cls, text: str) -> Baseline:
        baseline = cls()
        section = ""
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line in (_MODULES, _ERRORS):
                section = line
            elif section == _MODULES:
                baseline.modules.add(line)
            elif section == _ERRORS:
                baseline.errors[Entry.parse(line)] += 1
            else:
                raise ValueError(f"baseline line outside a section: {line!r}")
        return baseline

    def write(self) -> str:
        lines = [_HEADER, _MODULES, *sorted(self.modules), "", _ERRORS]
        lines += [str(entry) for entry in sorted(self.errors.elements())]
        return "\n".join(lines) + "\n"


@dataclass
class Run:
    """What one mypy run found: the errors, and where each was (to point at new ones)."""

    errors: Counter[Entry] = field(default_factory=Counter)
    lines: dict[Entry, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, record: Mapping[str, Any]) -> None:
        """Count one record of mypy's JSON output (notes are part of their error)."""
        if record.get("severity") != "error":
            return
        message = _LINE_REFERENCE.sub("line N", str(record["message"]))
        entry = Entry(str(record["file"]), str(record.get("code") or "misc"), message)
        self.errors[entry] += 1
        self.lines[entry].append(int(record["line"]))


@dataclass(frozen=True)
class Module:
    """A source file mypy checks, with its module name and whether it is strict."""

    path: str
    name: str
    strict: bool


def module_name(path: str, roots: Iterable[str]) -> str:
    """The module mypy sees in ``path``: a file of a package root keeps the root's name
    (``lianjian/core/scope.py`` → ``lianjian.core.scope``); a loose script does not
    (``scripts/mypy_baseline.py`` → ``mypy_baseline``)."""
    parts = path.removesuffix(".py").split("/")
    if parts[0] in roots and not (ROOT / parts[0] / "__init__.py").exists():
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def compare(run: Run, baseline: Baseline, modules: Iterable[Module]) -> list[str]:
    """Every reason to fail, as lines to print ([] when the code matches the baseline)."""
    problems: list[str] = []
    strict = {m.path for m in modules if m.strict}
    lenient = {m.path for m in modules if not m.strict}
    new = run.errors - baseline.errors
    for entry in sorted(new):
        where = ", ".join(str(n) for n in sorted(run.lines[entry]))
        problems.append(f"new error: {entry.path}:{where}: [{entry.code}] {entry.message}")
    for entry in sorted((baseline.errors - run.errors).elements()):
        problems.append(f"fixed, still in the baseline (run --update): {entry}")
    for entry in sorted(e for e in baseline.errors if e.path in strict):
        problems.append(f"error of a strict module in the baseline (fix it): {entry}")
    for path in sorted(lenient - baseline.modules):
        problems.append(
            f"new module, not strict: {path} (add it to the strict list in pyproject.toml)"
        )
    for path in sorted(baseline.modules - lenient):
        problems.append(f"strict or gone, still listed as not yet strict (run --update): {path}")
    return problems


def updated(
    run: Run, baseline: Baseline, modules: Iterable[Module], *, accept_new: bool
) -> tuple[Baseline, list[str]]:
    """The baseline of this run, and why it cannot be written (refusals: [] when it can)."""
    strict = {m.path for m in modules if m.strict}
    lenient = {m.path for m in modules if not m.strict}
    refusals = [
        f"error of a strict module (fix it): {e}"
        for e in sorted(e for e in run.errors if e.path in strict)
    ]
    errors = Counter({e: n for e, n in run.errors.items() if e.path not in strict})
    if not accept_new:
        refusals += [
            f"new error (--accept-new to record it): {e}"
            for e in sorted((errors - baseline.errors).elements())
        ]
        refusals += [
            f"new not-yet-strict module (make it strict): {p}"
            for p in sorted(lenient - baseline.modules)
        ]
    return Baseline(modules=lenient, errors=errors), refusals


def _options() -> Any:
    # mypy's own reading of pyproject.toml, so that "strict" means what mypy applies.
    from mypy.config_parser import parse_config_file
    from mypy.options import Options

    options = Options()
    parse_config_file(options, lambda: None, str(CONFIG), io.StringIO(), io.StringIO())
    return options


def source_modules() -> list[Module]:
    """Every file mypy checks (``files`` less ``exclude`` of the configuration)."""
    options = _options()
    roots = list(options.files or [])
    found = []
    for root in roots:
        for file in sorted((ROOT / root).rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            if any(re.search(pattern, path) for pattern in options.exclude):
                continue
            name = module_name(path, roots)
            found.append(
                Module(path, name, bool(options.clone_for_module(name).disallow_untyped_defs))
            )
    return found


def run_mypy() -> Run:
    """Run mypy on the configured files; exit 2 with its output if it could not check them."""
    from mypy import api

    stdout, stderr, status = api.run(["--config-file", str(CONFIG), "--output", "json"])
    run = Run()
    other = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            run.add(json.loads(line))
        elif line.strip():
            other.append(line)
    # 1 means "errors found"; anything else beyond 0 is mypy failing to run. A note about
    # the configuration (an unused section) fails too, or it would never be read.
    if status not in (0, 1) or other or stderr.strip():
        sys.stderr.write("\n".join([*other, stderr]).strip() + "\n")
        raise SystemExit(2)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the baseline from this run")
    parser.add_argument(
        "--accept-new",
        action="store_true",
        help="with --update: also record new errors and modules",
    )
    args = parser.parse_args(argv)
    os.chdir(ROOT)  # mypy reads the configured files, and names them, relative to here
    baseline = (
        Baseline.read(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else Baseline()
    )
    modules = source_modules()
    run = run_mypy()
    if args.update:
        fresh, refusals = updated(run, baseline, modules, accept_new=args.accept_new)
        if refusals:
            print("\n".join(refusals), file=sys.stderr)
            print("baseline not written", file=sys.stderr)
            return 1
        BASELINE.write_text(fresh.write(), encoding="utf-8")
        print(
            f"baseline: {sum(fresh.errors.values())} errors in {len(fresh.modules)} not-yet-strict modules"
        )
        return 0
    problems = compare(run, baseline, modules)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    strict = sum(1 for m in modules if m.strict)
    print(
        f"mypy: {strict} strict modules clean; {sum(run.errors.values())} known errors in "
        f"{len(baseline.modules)} not-yet-strict modules (mypy-baseline.txt)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
