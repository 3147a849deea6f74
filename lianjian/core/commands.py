"""Management commands that answer usage errors in Chinese (contracts §2: exit 2 for usage).

Every ``lianjian`` command with arguments subclasses :class:`ChineseUsageCommand`: argparse's
English messages ("the following arguments are required: …") are translated by
:func:`translate_usage_error` at every level, sub-commands included, and keep argparse's
behaviour otherwise — exit 2 on the command line, :class:`~django.core.management.CommandError`
under ``call_command()``.
"""

from __future__ import annotations

import re
from argparse import ArgumentParser, _SubParsersAction
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

# argparse's own messages (Python 3.11–3.13 wording) and their Chinese forms.
_ARGPARSE_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^the following arguments are required: (.+)$"), "缺少必需的参数：{0}"),
    (
        re.compile(r"^argument (\S+): invalid choice: (.+?) \(choose from (.+)\)$"),
        "参数 {0} 的取值 {1} 无效，可选：{2}",
    ),
    (re.compile(r"^unrecognized arguments: (.+)$"), "无法识别的参数：{0}"),
    (re.compile(r"^argument (\S+): expected one argument$"), "参数 {0} 需要一个值"),
)


def translate_usage_error(message: str) -> str:
    """argparse's English error ``message`` in Chinese (unchanged if the wording is unknown)."""
    for pattern, template in _ARGPARSE_MESSAGES:
        match = pattern.match(message)
        if match:
            # "'admin', 'manager'" → "admin、manager": the Chinese list separator, no quotes.
            parts = [g.replace("', '", "、").strip("'") for g in match.groups()]
            return template.format(*parts)
    return message


class ChineseUsageParser(CommandParser):
    """Django's command parser with argparse's messages in Chinese."""

    def error(self, message: str) -> NoReturn:
        super().error(translate_usage_error(message))
        # CommandParser.error() always raises (SystemExit(2) on the command line,
        # CommandError under call_command()); its stubs do not say so.
        raise AssertionError("CommandParser.error() returned")


class ChineseUsageCommand(BaseCommand):
    """A management command whose usage errors are in Chinese, sub-commands included."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        _chinese(parser)
        return parser


def _chinese(parser: ArgumentParser) -> None:
    # BaseCommand builds a CommandParser itself and adds the command's arguments, and any
    # sub-commands' parsers, before returning it. Switching each instance's class keeps
    # everything Django and argparse set on it.
    parser.__class__ = ChineseUsageParser
    for action in parser._actions:
        if isinstance(action, _SubParsersAction):
            for sub in action.choices.values():
                _chinese(sub)
