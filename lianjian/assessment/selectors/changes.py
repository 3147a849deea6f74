"""What changed in a scheme between two versions, in words."""

from __future__ import annotations

from typing import Any

# --- what changed in the scheme between two versions -------------------------------------

_PARAM_LABELS = (
    ("name", "名称"),
    ("dimension", "维度"),
    ("max", "分值"),
    ("rule", "计分规则"),
    ("source", "数据来源"),
    ("target", "目标值"),
    ("floor", "最低比率"),
    ("direction", "方向"),
    ("per", "每项（次）分值"),
    ("steps", "档位"),
    ("missing_points", "缺数时得分"),
    ("evaluators", "评议人"),
)


def _shown(value: Any) -> str:
    if value is None:
        return "无"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    if isinstance(value, list):
        return (
            "、".join(
                f"{v[0]}:{v[1]:g}"
                if isinstance(v, list) and len(v) == 2 and isinstance(v[1], int | float)
                else str(v)
                for v in value
            )
            or "无"
        )
    return str(value)


def scheme_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two runs' scheme snapshots, one Chinese sentence per change
    (dimensions, indicators and their rule parameters, star bands, pass line): the reason
    a score can move while its input value stayed the same."""
    lines: list[str] = []
    old_dims = {d["code"]: d for d in old.get("dimensions", [])}
    new_dims = {d["code"]: d for d in new.get("dimensions", [])}
    for code in new_dims.keys() - old_dims.keys():
        lines.append(
            f"新增维度 {new_dims[code]['name']}（{code}），满分 {_shown(new_dims[code]['max'])}"
        )
    for code in old_dims.keys() - new_dims.keys():
        lines.append(f"删除维度 {old_dims[code]['name']}（{code}）")
    for code in old_dims.keys() & new_dims.keys():
        if old_dims[code].get("max") != new_dims[code].get("max"):
            lines.append(
                f"维度 {new_dims[code]['name']}（{code}）满分 {_shown(old_dims[code].get('max'))} → "
                f"{_shown(new_dims[code].get('max'))}"
            )
    old_inds = {i["code"]: i for i in old.get("indicators", [])}
    new_inds = {i["code"]: i for i in new.get("indicators", [])}
    for code in [c for c in new_inds if c not in old_inds]:
        lines.append(f"新增指标 {code} {new_inds[code]['name']}")
    for code in [c for c in old_inds if c not in new_inds]:
        lines.append(f"删除指标 {code} {old_inds[code]['name']}")
    for code in [c for c in new_inds if c in old_inds]:
        a, b = old_inds[code], new_inds[code]
        moved = [
            f"{label} {_shown(a.get(key))} → {_shown(b.get(key))}"
            for key, label in _PARAM_LABELS
            if a.get(key) != b.get(key)
        ]
        if moved:
            lines.append(f"指标 {code} {b['name']}：" + "；".join(moved))
    if [list(x) for x in old.get("stars", [])] != [list(x) for x in new.get("stars", [])]:

        def bands(stars: list[Any]) -> str:
            return "、".join(f"≥{_shown(t)}分{s}星" for t, s in stars) or "不评星级"

        lines.append(f"星级划分 {bands(old.get('stars', []))} → {bands(new.get('stars', []))}")
    if old.get("pass_line", 60) != new.get("pass_line", 60):
        lines.append(
            f"合格线 {_shown(old.get('pass_line', 60))} → {_shown(new.get('pass_line', 60))}"
        )
    return lines
