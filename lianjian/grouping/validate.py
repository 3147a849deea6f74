"""Parse and validate a grouping instance; every refusal is a Chinese sentence.

:func:`load_instance` takes JSON text (or bytes) and :func:`parse_instance` an already
decoded document; both return an :class:`~lianjian.grouping.model.Instance` or raise
:class:`~lianjian.grouping.model.InstanceError` listing every problem found (one message
per problem, never a traceback). Rules (``docs/grouping.md``): only the documented fields;
``groups``, ``min_size``, ``max_size`` positive integers with min ≤ max; weights finite
and ≥ 0; ``geo_scale_km`` finite and > 0; unique non-empty ids; lat in [-90, 90] and lon
in [-180, 180], finite; list fields are lists of non-empty strings; ``lead`` boolean;
K·min_size ≤ N ≤ K·max_size; when any org leads, exactly K orgs lead.
"""

from __future__ import annotations

import json
import math
from typing import Any, TypeGuard

from .model import Instance, InstanceError, Org, Params

TOP_FIELDS = {"params", "orgs"}
PARAM_FIELDS = {"groups", "min_size", "max_size", "weights", "geo_scale_km"}
WEIGHT_FIELDS = ("profession", "geography", "complementarity")
ORG_FIELDS = {"id", "name", "professions", "lat", "lon", "strengths", "needs", "lead"}
LIST_FIELDS = ("professions", "strengths", "needs")


def _reject_constant(name: str) -> float:
    raise ValueError(f"不允许的数值 {name}")


def load_instance(text: str | bytes) -> Instance:
    """Decode UTF-8 JSON text and validate it (NaN/Infinity literals are refused)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InstanceError(["输入不是 UTF-8 编码的文本"]) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            [f"输入不是合法的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有语法错误"]
        ) from None
    except ValueError as exc:
        raise InstanceError(
            [f"输入不是合法的 JSON：{exc}（NaN 与 Infinity 不是合法数值）"]
        ) from None
    except RecursionError:
        raise InstanceError(["输入不是合法的 JSON：嵌套层次过深"]) from None
    return parse_instance(data)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> TypeGuard[float]:
    """An int, or a float with an integral value (JSON's ``3.0``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value) and value.is_integer()


def _unknown(keys: Any, allowed: set[str], where: str, errors: list[str]) -> None:
    extra = sorted(str(k) for k in keys if k not in allowed)
    if extra:
        errors.append(f"{where}含有未知字段：{'、'.join(extra)}")


def _parse_params(raw: Any, errors: list[str]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        errors.append("params 必须是对象")
        return None
    _unknown(raw.keys(), PARAM_FIELDS, "params ", errors)
    out: dict[str, Any] = {}
    labels = {
        "groups": "分组数 groups",
        "min_size": "每组最少组织数 min_size",
        "max_size": "每组最多组织数 max_size",
    }
    for key, label in labels.items():
        value = raw.get(key)
        if key not in raw:
            errors.append(f"缺少参数 {label}")
        elif not _is_int(value) or value < 1:
            errors.append(f"{label} 必须是正整数")
        else:
            out[key] = int(value)
    if "min_size" in out and "max_size" in out and out["min_size"] > out["max_size"]:
        errors.append(
            f"每组最少组织数 min_size（{out['min_size']}）不能大于每组最多组织数 max_size（{out['max_size']}）"
        )
        out.pop("max_size")
    weights = raw.get("weights", {})
    if not isinstance(weights, dict):
        errors.append("权重 weights 必须是对象")
    else:
        _unknown(weights.keys(), set(WEIGHT_FIELDS), "权重 weights ", errors)
        names = {"profession": "专业相近", "geography": "地域相邻", "complementarity": "优势互补"}
        for key in WEIGHT_FIELDS:
            value = weights.get(key, 1.0)
            if not _is_number(value) or not math.isfinite(value) or value < 0:
                errors.append(f"权重 {key}（{names[key]}）必须是不小于 0 的有限数")
            else:
                out[f"w_{key}"] = float(value)
    scale = raw.get("geo_scale_km", 30.0)
    if not _is_number(scale) or not math.isfinite(scale) or scale <= 0:
        errors.append("地理尺度 geo_scale_km 必须是大于 0 的有限数（公里）")
    else:
        out["geo_scale_km"] = float(scale)
    return out


def _parse_list(value: Any, key: str, where: str, errors: list[str]) -> frozenset[str] | None:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"{where}的 {key} 必须是由非空字符串组成的列表")
        return None
    return frozenset(v.strip() for v in value)


def _parse_org(pos: int, raw: Any, errors: list[str]) -> Org | None:
    where = f"第 {pos + 1} 个组织"
    if not isinstance(raw, dict):
        errors.append(f"{where}必须是对象")
        return None
    oid = raw.get("id")
    ident = oid.strip() if isinstance(oid, str) else ""
    if ident:
        where = f"第 {pos + 1} 个组织（{oid}）"
    before = len(errors)
    _unknown(raw.keys(), ORG_FIELDS, where, errors)
    if not ident:
        errors.append(f"{where}缺少编号 id（非空字符串）")
    name = raw.get("name", "")
    if not isinstance(name, str):
        errors.append(f"{where}的名称 name 必须是字符串")
    coords = {}
    for key, label, limit in (("lat", "纬度", 90.0), ("lon", "经度", 180.0)):
        value = raw.get(key)
        if key not in raw or value is None:
            errors.append(f"{where}缺少{label} {key}")
        elif not _is_number(value) or not math.isfinite(value):
            errors.append(f"{where}的{label} {key} 必须是有限数值")
        elif not -limit <= value <= limit:
            errors.append(f"{where}的{label} {key}（{value}）超出范围 [-{limit:g}, {limit:g}]")
        else:
            coords[key] = float(value)
    lists: dict[str, frozenset[str]] = {}
    for key in LIST_FIELDS:
        parsed = _parse_list(raw.get(key), key, where, errors)
        if parsed is not None:
            lists[key] = parsed
    lead = raw.get("lead", False)
    if not isinstance(lead, bool):
        errors.append(f"{where}的 lead 必须是 true 或 false")
    if len(errors) > before:
        return None
    return Org(
        id=ident,
        name=name,
        professions=lists["professions"],
        lat=coords["lat"],
        lon=coords["lon"],
        strengths=lists["strengths"],
        needs=lists["needs"],
        lead=lead,
    )


def parse_instance(data: Any) -> Instance:
    """Validate a decoded JSON document; raise InstanceError with every problem found."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise InstanceError(["输入必须是包含 params 与 orgs 的 JSON 对象"])
    _unknown(data.keys(), TOP_FIELDS, "输入", errors)
    params = _parse_params(data["params"], errors) if "params" in data else None
    if "params" not in data:
        errors.append("缺少参数对象 params")
    raw_orgs = data.get("orgs")
    orgs: list[Org] = []
    if "orgs" not in data:
        errors.append("缺少组织列表 orgs")
    elif not isinstance(raw_orgs, list) or not raw_orgs:
        errors.append("orgs 必须是非空列表")
    else:
        seen: dict[str, int] = {}
        for pos, raw in enumerate(raw_orgs):
            org = _parse_org(pos, raw, errors)
            if org is None:
                continue
            if org.id in seen:
                errors.append(
                    f"组织编号重复：{org.id}（第 {seen[org.id] + 1} 个与第 {pos + 1} 个）"
                )
            else:
                seen[org.id] = pos
            orgs.append(org)
    if errors:
        raise InstanceError(errors)
    assert params is not None
    n = len(orgs)
    k, lo, hi = params["groups"], params["min_size"], params["max_size"]
    if k * lo > n:
        errors.append(f"无法分组：{k} 组每组至少 {lo} 个需要 {k * lo} 个组织，但只有 {n} 个")
    if k * hi < n:
        errors.append(f"无法分组：{k} 组每组至多 {hi} 个只能容纳 {k * hi} 个组织，但有 {n} 个")
    leads = sum(1 for o in orgs if o.lead)
    if leads and leads != k:
        errors.append(f"牵头组织数（{leads}）必须等于分组数（{k}）：每组恰好一个牵头组织")
    if errors:
        raise InstanceError(errors)
    return Instance(params=Params(**params), orgs=tuple(orgs))
