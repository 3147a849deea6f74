"""How an audit row's changes read on a screen: Chinese field names and plain values.

An audit row stores ``before``/``after`` as JSON keyed by the model's attribute names
(``org_id``, ``weight``) or by the names a service chose for what is not a field
(``member_added``, ``networks``). The log screens show neither raw: :func:`field_label`
gives the target model's ``verbose_name`` for a field (``org_id`` → 组织) and the label
below for the other keys; :func:`value_text` writes numbers, lists, flags and nested
records as a person would.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

# Keys that are not model fields, as services write them. A key missing here and from the
# model shows as it is — the screen test (tests/test_flow_screen_words.py) catches it.
LABELS: dict[str, str] = {
    "adopted": "已采纳",
    "alliances": "联建",
    "api_tokens_revoked": "吊销的接口令牌",
    "attendance": "出勤",
    "attendance_added": "加入出勤名单",
    "attendance_removed": "移出出勤名单",
    "batch_id": "数据批次",
    "checkin": "扫码签到",
    "closed_on": "关闭日期",
    "created": "新增",
    "dissolved": "撤销日期",
    "ended": "终止的联建",
    "evaluator_id": "评议人",
    "file": "文件",
    "file_added": "上传附件",
    "goals": "目标",
    "groups": "分组数",
    "indicator": "指标",
    "indicator_id": "指标",
    "kind": "数据类型",
    "left": "退出的成员",
    "locked_until": "锁定至",
    "match": "对接",
    "member": "成员",
    "member_added": "加入成员",
    "members": "成员",
    "networks": "现有联建网的处理方式",
    "org": "组织",
    "org_count": "组织数",
    "organisations": "党组织",
    "orgs": "组织",
    "owners": "责任组织",
    "params": "参数",
    "parties": "签约方",
    "period": "期间",
    "photo_added": "上传照片",
    "photo_removed": "删除照片",
    "progress": "进展",
    "published_version": "发布版本",
    "reason": "原因",
    "return_reason": "退回原因",
    "role": "角色",
    "root": "范围",
    "rows": "行数",
    "scheme": "考核方案",
    "score": "得分",
    "shared_tags": "共同标签",
    "state": "状态",
    "status": "状态",
    "time_limit": "计算时限（秒）",
    "unchanged": "未变",
    "updated": "更新",
    "username": "用户名",
    "value": "数值",
    "version": "版本",
    "vetoed": "否决",
    "voided": "作废",
    "is_published": "已发布",
    "void_reason": "作废原因",
    "comment": "评语",
    # 智能分组 parameters (grouping.md)
    "w_profession": "专业相近权重",
    "w_geography": "地域相邻权重",
    "w_complementarity": "优势互补权重",
    "geo_scale_km": "地理尺度（公里）",
    "min_size": "每组最少组织数",
    "max_size": "每组最多组织数",
    "include_partners": "含外部单位",
    "leads": "牵头组织",
    "seed": "随机种子",
    "weight": "权重",
    # Counts the demo loaders record (core.demo.record_demo) and the other apps' own keys.
    "activities": "活动",
    "agreements": "协议",
    "plans": "实施方案",
    "appraisals": "民主评议",
    "decisions": "评定",
    "participants": "参评党员",
    "participant": "参评党员",
    "votes": "互评",
    "carriers": "岗区队",
    "reviews": "复核",
    "meetings": "联席会议",
    "problems": "问题",
    "withdrawn": "撤回",
    "written": "写入积分",
    "open_call_bids": "揭榜",
    "projects": "项目",
    "bookings": "预约",
    "matches": "对接",
    "needs": "需求",
    "resources": "资源",
    "tasks": "任务",
    "item": "问题",
}


def field_label(target_type: str, key: str) -> str:
    """The Chinese name of ``key`` in an audit row about a ``target_type`` (``app.model``)."""
    model = None
    if "." in target_type:
        try:
            model = apps.get_model(target_type)
        except (LookupError, ValueError):
            model = None
    if model is not None:
        for name in (key, key[:-3] if key.endswith("_id") else ""):
            if not name:
                continue
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            label = str(getattr(field, "verbose_name", "") or "")
            if label and label != field.name.replace("_", " "):
                return label
    if key in LABELS:
        return LABELS[key]
    if key.endswith("_id") and key[:-3] in LABELS:
        return LABELS[key[:-3]]
    return key


def _model(target_type: str) -> Any:
    if "." not in target_type:
        return None
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _choice_label(target_type: str, key: str, value: Any) -> str | None:
    """The display label of ``value`` when ``key`` is a field with choices (``open`` →
    待答复), else None."""
    model = _model(target_type) if key else None
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    for stored, label in getattr(field, "flatchoices", None) or ():
        if stored == value:
            return str(label)
    return None


def value_text(value: Any, target_type: str = "", key: str = "") -> Any:
    """``value`` as a person reads it: a choice's label (``open`` → 待答复), 是/否, numbers
    with at most four decimals, lists joined by 、, records as 名称：值; None stays None
    (the screen writes （空）). ``key`` is the field the value belongs to, when known."""
    if value is None:
        return None
    label = _choice_label(target_type, key, value) if isinstance(value, str) else None
    if label is not None:
        return label
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, tuple)):
        return "、".join(str(value_text(v, target_type)) for v in value) or "（无）"
    if isinstance(value, dict):
        return "；".join(
            f"{field_label(target_type, str(k))}：{value_text(v, target_type, str(k))}"
            for k, v in value.items()
        )
    return value
