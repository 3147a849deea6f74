"""Shared pieces of the HTTP API: strict JSON parsing, Chinese error texts, pagination.

Every error the API gives is ``{"detail": "<Chinese text>"}`` with a 4xx status; the
helpers here turn the different failures (unparseable body, pydantic validation, Django
``ValidationError`` from a service) into that one readable string. App routers import
from here so that ``core`` stays free of any domain model.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from pydantic import AfterValidator, StringConstraints, field_validator
from pydantic_core import PydanticUseDefault

from lianjian.core.paging import decode_cursor, encode_cursor, key_values, seek
from lianjian.core.scope import CHANGE, may, scoped
from lianjian.core.validation import ANYTIME, json_problem, text_problem

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
# Beyond this the OFFSET would overflow a 64-bit integer on some backends; no real list is this long.
MAX_PAGE = 1_000_000
# The largest value of a 64-bit primary key; a larger id in a URL must not reach the database.
MAX_ID = 2**63 - 1


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


class StrictJsonParser(Parser):
    """Reads a request body only as JSON: wrong content type → 415, broken JSON → 400.

    The document must be an object. ``NaN``/``Infinity`` are refused (they are not JSON
    and would break database checks), and so is any value that breaks the rules of
    :func:`lianjian.core.validation.json_problem` — a control character in a text or a
    key, an integer beyond 64 bits, a number too large to be finite — with the field named.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise HttpError(415, "请求体须为 JSON，请设置 Content-Type: application/json")
        try:
            data = json.loads(request.body, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(400, "请求体不是有效的 JSON") from exc
        if not isinstance(data, dict):
            raise HttpError(400, "请求体应为 JSON 对象")
        found = json_problem(data)
        if found:
            path, problem = found
            raise HttpError(400, f"{path}：{problem}" if path else problem)
        return data


def _single_line(value: str) -> str:
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(problem)
    return value


def _multi_line(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValueError(problem)
    return value


def _within_outer_bound(value: datetime.date) -> datetime.date:
    problem = ANYTIME.problem(value)
    if problem:
        raise ValueError(problem)
    return value


# A date that belongs to no model field (a query filter): only the outer bound applies, so
# that shifting it by a day or converting it to a time cannot overflow. A date that is
# stored is checked against its field's window by the service (model validation).
FilterDate = Annotated[datetime.date, AfterValidator(_within_outer_bound)]


def text(max_length: int, *, required: bool = False, multiline: bool = False) -> Any:
    """The type of every text field of a request: stripped, at most ``max_length``
    characters (at least one when ``required``), and — the text rule of
    :func:`lianjian.core.validation.text_problem` — no tab or line break unless
    ``multiline`` (a ``TextField``)."""
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1 if required else 0, max_length=max_length
        ),
        AfterValidator(_multi_line if multiline else _single_line),
    ]


# The same types spelt out once with names, for schemas that want a type the checker
# understands (``text()`` returns ``Any``): single-line ``TextN``/``NameN`` (the latter
# required), multi-line ``LinesN``/``RequiredN``, and the 32-character ``Code`` of imports.
def _single(max_length: int, min_length: int | None = None) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Text20 = Annotated[str, _single(20), AfterValidator(_single_line)]
Text50 = Annotated[str, _single(50), AfterValidator(_single_line)]
Text100 = Annotated[str, _single(100), AfterValidator(_single_line)]
Text200 = Annotated[str, _single(200), AfterValidator(_single_line)]
Text300 = Annotated[str, _single(300), AfterValidator(_single_line)]
Text500 = Annotated[str, _single(500), AfterValidator(_single_line)]
Name50 = Annotated[str, _single(50, 1), AfterValidator(_single_line)]
Name200 = Annotated[str, _single(200, 1), AfterValidator(_single_line)]
Lines2000 = Annotated[str, _single(2000), AfterValidator(_multi_line)]
Lines5000 = Annotated[str, _single(5000), AfterValidator(_multi_line)]
Required2000 = Annotated[str, _single(2000, 1), AfterValidator(_multi_line)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese characters as they are, so that responses read well in a terminal."""

    json_dumps_params = {"ensure_ascii": False}


_SOURCE_LABELS = {"query": "查询参数", "path": "路径参数", "body": "请求体", "header": "请求头"}


def _error_text(error: Mapping[str, Any]) -> str:
    """One pydantic error as a short Chinese phrase (the field name is added by the caller)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind in {"int_parsing", "int_type", "int_from_float", "int_parsing_size"}:
        return "应为整数"
    if kind in {"float_parsing", "float_type", "finite_number"}:
        return "应为数字"
    if kind in {"bool_parsing", "bool_type"}:
        return "应为 true 或 false"
    if kind in {"string_type", "string_sub_type"}:
        return "应为文本"
    if kind in {
        "date_parsing",
        "date_type",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
        "date_past",
        "date_future",
    }:
        return "应为日期，格式 YYYY-MM-DD"
    if kind in {"list_type", "tuple_type", "set_type"}:
        return "应为列表"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "应为 JSON 对象"
    if kind == "extra_forbidden":
        return "不支持的字段"
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return "应为以下之一：" + "、".join(p.strip() for p in expected.split(",") if p.strip())
    if kind == "string_too_long":
        return f"长度不能超过 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return (
            "不能为空"
            if ctx.get("min_length") == 1
            else f"长度不能少于 {ctx.get('min_length')} 个字符"
        )
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind == "greater_than_equal":
        return f"应不小于 {ctx.get('ge')}"
    if kind == "greater_than":
        return f"应大于 {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"应不大于 {ctx.get('le')}"
    if kind == "less_than":
        return f"应小于 {ctx.get('lt')}"
    if kind in {"value_error", "assertion_error"} and ctx.get("error"):
        return str(ctx["error"])
    return "格式不正确"


def _error_label(loc: Sequence[Any]) -> str:
    """The field an error is about: ``page_size``, ``professions.2``, or the source itself.

    Body errors carry the handler's parameter name after ``body``; it means nothing to a
    client, so it is dropped.
    """
    if not loc:
        return "请求"
    source, rest = str(loc[0]), [str(p) for p in loc[1:]]
    if source == "body":
        rest = rest[1:]
    return ".".join(rest) if rest else _SOURCE_LABELS.get(source, source)


def validation_detail(errors: Iterable[Mapping[str, Any]]) -> str:
    """Pydantic errors as one Chinese sentence: ``page_size：应不大于 500；name：必填``."""
    parts: list[str] = []
    for error in errors:
        text = f"{_error_label(error.get('loc', ()))}：{_error_text(error)}"
        if text not in parts:
            parts.append(text)
    return "；".join(parts) or "请求格式不正确"


def django_validation_detail(exc: DjangoValidationError) -> str:
    """A service's ``ValidationError`` as one string, field messages prefixed by the field."""
    if hasattr(exc, "error_dict"):
        parts = []
        for field, messages in exc.message_dict.items():
            for message in messages:
                parts.append(message if field == NON_FIELD_ERRORS else f"{field}：{message}")
        return "；".join(parts)
    return "；".join(exc.messages)


class BlankIsDefault(Schema):
    """Query parameters where an empty value (``?kind=``) means "not given", as in HTML forms."""

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault()
        return value


_Row = TypeVar("_Row")
_M = TypeVar("_M", bound=Model)


class PageParams(BlankIsDefault):
    """``?page=`` (from 1) and ``?page_size=`` (1–500, default 50)."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="每页条数，1–500")


def paginate(queryset: QuerySet[Any, _Row], params: PageParams) -> tuple[list[_Row], int]:
    """One page of ``queryset`` and the total count, in at most two queries.

    A page past the end is empty rather than an error: a client that walks pages stops
    at the first empty one, and the count tells it how many there are.
    """
    count = queryset.count()
    offset = (params.page - 1) * params.page_size
    if offset >= count:
        return [], count
    return list(queryset[offset : offset + params.page_size]), count


class KeysetPageParams(PageParams):
    """:class:`PageParams` and ``?after=``: the ``next`` cursor of the previous answer, for
    walking a long list at the cost of its first page. An unusable cursor gives page 1."""

    after: str | None = Field(
        None,
        max_length=1000,
        description="上一次响应中的 next 游标：从该处继续（深分页用，代价与第 1 页相同）；无效游标返回第 1 页",
    )


def paginate_keyset(
    queryset: QuerySet[Any, _Row], params: KeysetPageParams, key: Sequence[str]
) -> tuple[list[_Row], int, str | None]:
    """One page of ``queryset`` ordered by ``key`` (ending in a unique field), the total
    count, and the cursor of the next page (``None`` on the last), in two queries.

    With ``after`` the page continues from that cursor (``WHERE key > cursor LIMIT n``,
    served by an index on the key); otherwise ``page`` counts from the start as in
    :func:`paginate`. A cursor that is broken, tampered with or made for another list is
    ignored (page ``page``).
    """
    count = queryset.count()
    cursor = decode_cursor(params.after, key)
    if cursor is not None:
        rows = list(seek(queryset, key, cursor[0], forward=True)[: params.page_size + 1])
    else:
        offset = (params.page - 1) * params.page_size
        if offset >= count:
            return [], count, None
        rows = list(queryset.order_by(*key)[offset : offset + params.page_size + 1])
    more = len(rows) > params.page_size
    rows = rows[: params.page_size]
    following = encode_cursor(key_values(rows[-1], key)) if more else None
    return rows, count, following


class KeysetListOut(Schema):
    """The ``next`` of a list answered by :func:`paginate_keyset` (the list's schema adds
    ``items`` and ``count``)."""

    next: str | None = Field(
        None, description="下一页的游标（作为 after 参数传回）；已是最后一页时为 null"
    )


class ErrorOut(Schema):
    """The body of every error: one Chinese sentence."""

    detail: str = Field(..., description="错误说明（中文）")


# The error answers every read / write endpoint documents in the OpenAPI document.
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    415: ErrorOut,
    422: ErrorOut,
}


def named_in_body(
    queryset: QuerySet[_M] | type[_M], user: Any, code: str, label: str, refusal: str = ""
) -> _M:
    """The row a request body names by its code (the organisation a problem is raised
    for, the alliance of an agreement …).

    A row the caller does not see answers 400 ``<label>不存在：<code>`` — the body is wrong,
    not the address. With ``refusal``, a row the caller may not change answers 403 with
    that text, ``{}`` replaced by the row's name (``无权以「{}」的名义预约``).
    """
    qs = scoped(queryset._default_manager.all() if isinstance(queryset, type) else queryset)
    row = qs.restrict(user).filter(code=code).first()
    if row is None:
        raise HttpError(400, f"{label}不存在：{code}")
    if refusal and not may(user, CHANGE, row):
        raise HttpError(403, refusal.format(row))
    return row
