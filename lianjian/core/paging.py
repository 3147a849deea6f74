"""Pagination for list screens: bad page numbers fall back to the nearest page, never a 500.

Two modes share one page object shape:

- :func:`paginate` — numbered pages (``?page=N``, OFFSET): cheap near the start, but page N
  costs the database N pages of rows.
- :func:`paginate_keyset` — the long lists (tens of thousands of rows and more): the first
  pages by number as before, then an opaque, signed cursor (``?after=`` / ``?before=``) that
  continues from the last row shown with ``WHERE key > last ORDER BY key LIMIT n``, so every
  page costs what the first does, as long as an index serves the key order. A tampered,
  stale or foreign cursor is ignored (page 1); it can never widen what the queryset shows,
  because it only adds a condition to the caller's (already scoped) queryset.

The screens count a keyset list only up to :data:`COUNT_CAP` rows (``SELECT count(*) FROM
(… LIMIT cap + 1)``): an exact ``COUNT(*)`` reads every row of the list, and at a few hundred
thousand rows that count alone was a third of the page (#15). Beyond the cap the page says
“共 10,000+ 条” and offers no 末页 link. The API keeps its exact ``count`` (a documented field).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Generic, TypeVar

from django.core import signing
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest

_Row = TypeVar("_Row")

_SALT = "lianjian.paging.cursor"
# A cursor names at most this many key values; anything longer is not ours.
_MAX_KEY = 4
# Numbered links are offered up to this page; beyond it pages are reached by cursor only
# (an OFFSET of a few hundred rows is still cheap).
NUMBERED_PAGES = 5
# A screen counts a keyset list up to this many rows; beyond it the total is shown as
# “10,000+” (the count stops reading there, so its cost no longer grows with the list).
COUNT_CAP = 10_000


def _size(request: HttpRequest, per_page: int) -> int:
    try:
        size = int(request.GET.get("size", per_page))
    except ValueError:
        size = per_page
    return min(max(size, 10), 200)


def paginate(
    request: HttpRequest, object_list: QuerySet[Any, _Row] | Sequence[_Row], *, per_page: int = 20
) -> Page[_Row]:
    """The page ``?page=`` of ``object_list``, ``?size=`` rows a page (10–200, default
    ``per_page``); a bad or out-of-range page number gives the nearest page."""
    paginator = Paginator(object_list, _size(request, per_page))
    return paginator.get_page(request.GET.get("page"))


# --- keyset ---------------------------------------------------------------------------------


def key_values(row: Any, key: Sequence[str]) -> list[Any]:
    """The cursor values of ``row``: texts and numbers as they are, a date or time as ISO
    text (which the field parses back when the cursor is used in a lookup)."""
    values = []
    for name in key:
        value = getattr(row, name.lstrip("-"))
        values.append(value.isoformat() if isinstance(value, datetime.date) else value)
    return values


def encode_cursor(values: Sequence[Any], *, number: int = 0) -> str:
    """An opaque, signed cursor for the row whose key values are ``values`` (``number``:
    the page the cursor leads to, for the label only)."""
    return signing.dumps({"v": list(values), "n": number}, salt=_SALT, compress=True)


def decode_cursor(token: str | None, key: Sequence[str]) -> tuple[list[Any], int] | None:
    """The key values and page number of ``token``, or ``None`` when it is missing, broken,
    tampered with or made for another key (the caller then shows page 1)."""
    if not token or len(token) > 1000:
        return None
    try:
        data = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    values, number = data.get("v"), data.get("n")
    if (
        not isinstance(values, list)
        or len(values) != len(key)
        or len(values) > _MAX_KEY
        or not all(_key_value(v) for v in values)
        or not isinstance(number, int)
        or isinstance(number, bool)
    ):
        return None
    return values, max(number, 0)


def _key_value(value: Any) -> bool:
    """A value a cursor may carry: a text, an integer or a finite float (a computed sort
    key such as a dimension's points), never a boolean or ``None``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str | int)


def seek(
    queryset: QuerySet[Any, _Row], key: Sequence[str], values: Sequence[Any], *, forward: bool
) -> QuerySet[Any, _Row]:
    """``queryset`` narrowed to the rows after (``forward``) or before ``values`` in the
    order ``key`` (``"-name"`` descending), and ordered so that the nearest rows come first.

    The condition is the expanded row comparison ``(a > x) OR (a = x AND b > y) …``, with
    ``a >= x`` beside it: a disjunction alone is not a range to either planner (SQLite then
    walks the index from its start, or sorts), the plain bound on the first column is, so
    both SQLite and PostgreSQL seek into an index on the key columns and read on from there.
    """
    first = key[0].lstrip("-")
    bound = Q(**{f"{first}__{'lte' if key[0].startswith('-') == forward else 'gte'}": values[0]})
    alternatives = []
    for i, name in enumerate(key):
        field_name = name.lstrip("-")
        descending = name.startswith("-")
        op = "lt" if descending == forward else "gt"
        equal = {key[j].lstrip("-"): values[j] for j in range(i)}
        alternatives.append(Q(**equal, **{f"{field_name}__{op}": values[i]}))
    narrowed = queryset.filter(bound, reduce(lambda a, b: a | b, alternatives))
    order = list(key) if forward else [_reverse(name) for name in key]
    return narrowed.order_by(*order)


def _reverse(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


@dataclass
class KeysetPage(Generic[_Row]):
    """One page of a keyset list, for ``pagination_keyset.html``.

    ``count`` is the number of rows of the whole list when ``count_exact``; otherwise the
    list has more than ``count`` (= :data:`COUNT_CAP`) rows and its end is not known.
    ``number`` is the page's position as far as it is known (exact for numbered pages and
    for pages walked to by cursor from them; a cursor's number is only a label), ``0`` when
    it is not known (the last page of a list longer than the cap, and pages walked back
    from it).
    """

    object_list: list[_Row]
    number: int
    size: int
    count: int
    key: Sequence[str] = field(repr=False)
    has_next: bool = False
    has_previous: bool = False
    is_last: bool = False
    count_exact: bool = True

    @property
    def num_pages(self) -> int:
        """The number of pages; with an inexact count, the pages the counted rows fill
        (a lower bound, never shown as the total)."""
        return max(1, math.ceil(self.count / self.size))

    @property
    def next_cursor(self) -> str:
        number = self.number + 1 if self.number else 0
        return encode_cursor(key_values(self.object_list[-1], self.key), number=number)

    @property
    def previous_cursor(self) -> str:
        number = self.number - 1 if self.number else 0
        return encode_cursor(key_values(self.object_list[0], self.key), number=number)

    @property
    def numbered(self) -> list[int]:
        """The page numbers to link directly (the first few, where OFFSET stays cheap)."""
        return list(range(1, min(self.num_pages, NUMBERED_PAGES) + 1))

    def __iter__(self) -> Iterator[_Row]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def paginate_keyset(
    request: HttpRequest,
    queryset: QuerySet[Any, _Row],
    *,
    key: Sequence[str],
    per_page: int = 20,
) -> KeysetPage[_Row]:
    """The page of ``queryset`` that ``request`` asks for, ordered by ``key`` (which must
    identify a row: end it with a unique field).

    ``?after=C`` / ``?before=C`` continue from a cursor; ``?last=1`` is the last page;
    otherwise ``?page=N`` (numbered, OFFSET) as :func:`paginate` — kept for old links and
    bookmarks, clamped to the last page. Two queries: the count (bounded by
    :data:`COUNT_CAP`) and the rows; a third only for an old ``?page=`` link past the end of
    a list longer than the cap (it then shows the last page).

    ``?last=1`` works whatever the list's length (a bookmark), but the page offers the link
    only when the count is exact: on a longer list its page number is not known, and
    the backward walk may cost more than a forward page when the scope's rows lie at the
    start of the key order.
    """
    size = _size(request, per_page)
    counted = queryset.order_by()[: COUNT_CAP + 1].count()
    exact = counted <= COUNT_CAP
    count = counted if exact else COUNT_CAP
    ordered = queryset.order_by(*key)
    page: KeysetPage[_Row] = KeysetPage([], 1, size, count, key, count_exact=exact)
    for param, forward in (("after", True), ("before", False)):
        cursor = decode_cursor(request.GET.get(param), key)
        if cursor is None:
            continue
        values, number = cursor
        rows = list(seek(queryset, key, values, forward=forward)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if not forward:
            rows.reverse()
        if not rows:
            break  # nothing beyond the cursor (the rows were moved or left): page 1
        page.object_list = rows
        page.number = min(number, page.num_pages) if exact else number
        page.has_next = more if forward else True
        page.has_previous = True if forward else more
        if not page.has_previous:
            page.number = 1
        page.is_last = not page.has_next
        return page
    if request.GET.get("last") == "1" and count > size:
        return _last_page(page, ordered)
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    number = max(number, 1)
    if exact:
        number = min(number, page.num_pages)
    offset = (number - 1) * size
    rows = list(ordered[offset : offset + size + 1])
    if not rows and number > 1:
        return _last_page(page, ordered)  # an old link past the end of a long list
    page.object_list = rows[:size]
    page.number = number
    page.has_previous = number > 1
    page.has_next = len(rows) > size
    page.is_last = not page.has_next
    return page


def _last_page(page: KeysetPage[_Row], ordered: QuerySet[Any, _Row]) -> KeysetPage[_Row]:
    """``page`` filled with the last rows of ``ordered`` (walked backward by the key)."""
    rows = list(ordered.reverse()[: page.size])
    rows.reverse()
    page.object_list = rows
    page.number = page.num_pages if page.count_exact else 0
    page.has_previous, page.has_next, page.is_last = True, False, True
    return page
