"""``lianjian group solve FILE.json [--time-limit S] [--seed N]`` — no database needed.

``main(argv)`` returns the exit code: 0 success (result JSON on stdout, grouping.md Output),
1 bad input (Chinese messages on stderr, one per line), 2 usage error. ``FILE`` may be
``-`` for standard input.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from typing import NoReturn

from .model import InstanceError
from .validate import load_instance


class UsageError(Exception):
    pass


_ARGPARSE_ZH = (
    (re.compile(r"^the following arguments are required: (.*)$"), r"缺少参数：\1"),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"无法识别的参数：\1"),
    (re.compile(r"^argument (\S+): expected one argument$"), r"参数 \1 需要一个值"),
    (re.compile(r"^argument (\S+): invalid choice: (\S+).*$"), r"未知的子命令 \2"),
    (re.compile(r"^argument (\S+): (.*)$"), r"参数 \1：\2"),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse would print English and exit
        for pattern, replacement in _ARGPARSE_ZH:
            if pattern.match(message):
                message = pattern.sub(replacement, message)
                break
        raise UsageError(message)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"时间限制必须是正数（秒）：{text}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"时间限制必须是正数（秒）：{text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"随机种子必须是非负整数：{text}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"随机种子必须是非负整数：{text}")
    return value


def _parser() -> _Parser:
    parser = _Parser(
        prog="lianjian group", description="智能分组：按专业相近、地域相邻、优势互补分组"
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    solve = sub.add_parser("solve", help="求解分组（JSON 输入见 grouping.md）")
    solve.add_argument("file", metavar="FILE.json", help="输入文件，- 表示标准输入")
    solve.add_argument(
        "--time-limit", type=_positive_seconds, default=None, metavar="S", help="时间限制（秒）"
    )
    solve.add_argument("--seed", type=_seed, default=0, metavar="N", help="随机种子（默认 0）")
    return parser


USAGE = "用法：lianjian group solve FILE.json [--time-limit S] [--seed N]"


def main(argv: list[str]) -> int:
    """Run the grouping CLI; never raises for bad input or usage."""
    try:
        args = _parser().parse_args(argv)
    except UsageError as exc:
        print(f"用法错误：{exc}\n{USAGE}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help printed its text
        return int(exc.code or 0)
    if args.command != "solve":
        print(f"用法错误：缺少子命令 solve\n{USAGE}", file=sys.stderr)
        return 2
    try:
        if args.file == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as fh:
                raw = fh.read()
    except OSError as exc:
        reason = {
            FileNotFoundError: "文件不存在",
            IsADirectoryError: "这是一个目录",
            PermissionError: "没有读取权限",
        }
        print(f"无法读取输入文件 {args.file}：{reason.get(type(exc), '读取失败')}", file=sys.stderr)
        return 1
    try:
        instance = load_instance(raw)
    except InstanceError as exc:
        for message in exc.messages:
            print(message, file=sys.stderr)
        return 1
    from .solve import solve  # deferred: NumPy/OR-Tools load only for valid input

    result = solve(instance, time_limit=args.time_limit, seed=args.seed)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
