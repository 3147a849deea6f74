"""Pickers: choose an organisation, a member or an alliance by typing part of its name, its
pinyin initials or its code — among the rows the user may choose for that field only.

An app declares, in its ``pickers.py`` (found like the Excel kinds' modules), one
:class:`Source` per kind of choice: which rows a user may choose (always through
:mod:`lianjian.core.scope`), which column holds the code a form receives, the name shown and
an optional hint that tells like-named rows apart (the parent organisation)::

    register(Source("orgs.managed", rows=lambda user, params: Organisation.objects.manageable_by(user),
                    hint="parent__name"))

A form field refers to a source by name through its widget (:class:`lianjian.core.widgets.Picker`);
the lookup endpoint (``core:picker``) answers the search with :func:`search` and the widget
shows a stored value's name with :func:`labels`. Both only ever read ``source.rows(user, …)``,
so a row outside it is never named — not even when its exact code is typed.

A source may read further values of the same form (``params``, e.g. the alliance chosen
beside the co-organisers); it checks them against the user's scope itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

# At most this many rows answer one search; the list then says that there are more.
LIMIT = 20
# The longest search text read (a name is at most 200 characters; nobody types more to find one).
MAX_QUERY = 50


def clean_text(text: str) -> str:
    """What a search reads of ``text``: printable characters (no NUL, which PostgreSQL
    refuses), runs of spaces as one, at most :data:`MAX_QUERY` characters."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:MAX_QUERY]


class Choice(NamedTuple):
    code: str
    label: str
    hint: str


@dataclass(frozen=True)
class Source:
    """The rows one kind of field may choose, and how to show and find them."""

    name: str
    rows: Callable[[Any, Mapping[str, str]], QuerySet[Any]]
    key: str = "code"
    label: str = "name"
    initials: str = "initials"
    hint: str = ""
    # Further values of the form the source reads (by field name).
    params: tuple[str, ...] = ()
    placeholder: str = "输入名称、拼音首字母或编码"
    # Singular noun used in messages: "没有匹配的组织".
    noun: str = "组织"

    def choosable(self, user: Any, params: Mapping[str, str] | None = None) -> QuerySet[Any]:
        wanted = {name: clean_text(str((params or {}).get(name) or "")) for name in self.params}
        return self.rows(user, wanted)

    def _values(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.values_list(self.key, self.label, *([self.hint] if self.hint else []))

    def _choice(self, row: tuple[Any, ...]) -> Choice:
        return Choice(str(row[0]), str(row[1]), str(row[2] or "") if self.hint else "")


_SOURCES: dict[str, Source] = {}
_discovered = False


def register(source: Source) -> Source:
    _SOURCES[source.name] = source
    return source


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("pickers")
        _discovered = True


def get_source(name: str) -> Source | None:
    _discover()
    return _SOURCES.get(name)


def _search_condition(source: Source, text: str) -> tuple[Q, list[When]]:
    """What matches ``text`` and how well: the exact code first, then codes and pinyin
    initials beginning with it (indexed prefix ranges), then names containing it."""
    key, initials = source.key, source.initials
    cond = Q(**{f"{source.label}__icontains": text})
    ranks = [When(Q(**{f"{key}__iexact": text}), then=Value(0))]
    for prefix in dict.fromkeys((text, text.upper())):
        cond |= Q(**{f"{key}__under": prefix})
        ranks.append(When(Q(**{f"{key}__under": prefix}), then=Value(1)))
    letters = text.lower()
    if initials and letters.isascii() and letters.isalnum():
        cond |= Q(**{f"{initials}__under": letters})
        ranks.append(When(Q(**{f"{initials}__under": letters}), then=Value(1)))
    ranks.append(When(Q(**{f"{source.label}__istartswith": text}), then=Value(2)))
    return cond, ranks


def search(
    source: Source, user: Any, text: str, params: Mapping[str, str] | None = None
) -> tuple[list[Choice], bool]:
    """Up to :data:`LIMIT` rows of ``source`` the user may choose matching ``text`` (all of
    them, in their order, for an empty text), and whether there are more. One query."""
    qs = source.choosable(user, params)
    text = clean_text(text)
    if text:
        cond, ranks = _search_condition(source, text)
        qs = (
            qs.filter(cond)
            .annotate(picker_rank=Case(*ranks, default=Value(3), output_field=IntegerField()))
            .order_by("picker_rank", *qs.query.order_by or qs.model._meta.ordering or ["pk"])
        )
    rows = [source._choice(row) for row in source._values(qs)[: LIMIT + 1]]
    return rows[:LIMIT], len(rows) > LIMIT


def labels(source: Source, rows: QuerySet[Any], codes: Iterable[str]) -> dict[str, Choice]:
    """The choices for ``codes`` among ``rows`` (already limited to what the user may
    choose); a code outside them is simply absent. One query."""
    wanted = [c for c in dict.fromkeys(codes) if c]
    if not wanted:
        return {}
    found = source._values(rows.filter(**{f"{source.key}__in": wanted}).order_by())
    return {choice.code: choice for choice in map(source._choice, found)}


__all__ = ["Choice", "LIMIT", "Source", "clean_text", "get_source", "labels", "register", "search"]
