"""The one home of the date, number and text rules (lianjian.core.validation) and the
mechanisms that carry them to every edge: every model date field declares its window,
every form of the screens applies the rules, every API text type and integer is bounded."""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import typing

import pytest
from django import forms
from django.apps import apps
from django.db import models

import lianjian
from lianjian.core import validation as v
from lianjian.core.forms import EdgeRules, OuterDateRule, TextRule

TODAY = datetime.date(2026, 12, 6)


# --- the windows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "value", "problem"),
    [
        (v.HISTORY, datetime.date(1921, 7, 1), ""),
        (v.HISTORY, datetime.date(1921, 6, 30), "不能早于 1921-07-01（中国共产党成立之日）"),
        (v.HISTORY, TODAY, ""),
        (v.HISTORY, TODAY + datetime.timedelta(days=1), "不能晚于今天"),
        (v.BIRTH, datetime.date(1900, 1, 1), ""),
        (v.BIRTH, datetime.date(1899, 12, 31), "超出有效范围（1900-01-01 至 2199-12-31）"),
        (v.BIRTH, datetime.date(9999, 12, 31), "超出有效范围（1900-01-01 至 2199-12-31）"),
        (v.PLANNED, datetime.date(2036, 12, 6), ""),
        (v.PLANNED, datetime.date(2036, 12, 7), "不能晚于 2036-12-06（最多提前 10 年）"),
        (v.PLANNED, datetime.date(1900, 1, 1), "不能早于 1921-07-01（中国共产党成立之日）"),
        (v.ANYTIME, datetime.date(2199, 12, 31), ""),
        (v.ANYTIME, datetime.date(1, 1, 1), "超出有效范围（1900-01-01 至 2199-12-31）"),
    ],
)
def test_each_window_has_its_bounds(window, value, problem):
    assert window.problem(value, on=TODAY) == problem


def test_the_planning_horizon_is_a_setting(settings):
    settings.LIANJIAN_PLANNING_YEARS = 2
    assert (
        v.PLANNED.problem(datetime.date(2028, 12, 7), on=TODAY)
        == "不能晚于 2028-12-06（最多提前 2 年）"
    )


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(
            9999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=-12))
        ),
        datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
        datetime.datetime(1, 1, 1),
    ],
)
def test_a_datetime_beyond_the_outer_bound_is_refused_without_converting_it(value):
    # Converting these to Beijing time would overflow (year 10000 / year 0).
    assert v.local_date(value) is None
    assert v.PLANNED.problem(value) == "超出有效范围（1900-01-01 至 2199-12-31）"


def test_a_datetime_is_judged_by_its_beijing_date():
    late_utc = datetime.datetime(
        2026, 12, 6, 17, 0, tzinfo=datetime.UTC
    )  # 2026-12-07 01:00 in Beijing
    assert v.local_date(late_utc) == datetime.date(2026, 12, 7)
    assert v.HISTORY.problem(late_utc, on=TODAY) == "不能晚于今天"


def test_periods_are_judged_by_their_days():
    assert (
        v.HISTORY.year_problem(datetime.date(2027, 1, 1), datetime.date(2027, 12, 31), on=TODAY)
        == "尚未开始"
    )
    assert (
        v.HISTORY.year_problem(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31), on=TODAY)
        == ""
    )
    assert (
        v.PLANNED.year_problem(datetime.date(2099, 1, 1), datetime.date(2099, 12, 31), on=TODAY)
        == "不能晚于 2036-12-06（最多提前 10 年）"
    )
    assert (
        v.PLANNED.year_problem(datetime.date(1920, 1, 1), datetime.date(1920, 12, 31), on=TODAY)
        == "不能早于 1921-07-01（中国共产党成立之日）"
    )


def test_add_years_keeps_leap_days_inside_the_month():
    assert v.add_years(datetime.date(2024, 2, 29), 1) == datetime.date(2025, 2, 28)
    assert v.add_years(datetime.date(2024, 2, 29), 4) == datetime.date(2028, 2, 29)


def test_the_cli_date_check_names_the_field():
    with pytest.raises(ValueError, match="^日期超出有效范围"):
        v.check_date(datetime.date(9999, 12, 31), "日期")


# --- text and numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "multiline", "problem"),
    [
        ("营销服务党支部", False, ""),
        ("a\x00b", True, "不能包含控制字符（U+0000）"),
        ("a\x1bb", False, "不能包含控制字符（U+001B）"),
        ("a\x7fb", False, "不能包含控制字符（U+007F）"),
        ("a\x85b", True, "不能包含控制字符（U+0085）"),
        ("a\ud800b", True, "不能包含控制字符（U+D800）"),
        ("a\ufffeb", True, "不能包含控制字符（U+FFFE）"),
        ("a\tb", False, "不能包含制表符（只能填写一行）"),
        ("a\nb", False, "不能包含换行符（只能填写一行）"),
        ("a\r\nb", False, "不能包含回车符（只能填写一行）"),
        ("a\tb\r\nc", True, ""),
    ],
)
def test_the_text_rule(value, multiline, problem):
    assert v.text_problem(value, multiline=multiline) == problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("１２", 12),
        (" 0 ", 0),
        ("99999", "应在 0 到 999 之间"),
        ("²", "应为整数"),
        ("٣", "应为整数"),
        ("9223372036854775808", "应在 0 到 999 之间"),
        ("1e3", "应为整数"),
        ("", "应为整数"),
    ],
)
def test_parse_int_takes_digits_only(text, expected):
    if isinstance(expected, int):
        assert v.parse_int(text, low=0, high=999) == expected
    else:
        with pytest.raises(ValueError, match=f"^{expected}$"):
            v.parse_int(text, low=0, high=999)


@pytest.mark.parametrize("text", ["NaN", "inf", "-Infinity", "1e999"])
def test_parse_number_refuses_what_is_not_finite(text):
    with pytest.raises(ValueError, match="有限的数字|应在"):
        v.parse_number(text, low=-1e12, high=1e12)


@pytest.mark.parametrize(
    ("document", "found"),
    [
        ({"a": [1, {"b": "ok\n"}]}, None),
        ({"a": [1, {"b": "x\x01"}]}, ("a.1.b", "不能包含控制字符（U+0001）")),
        ({"n": 2**63}, ("n", "整数超出范围（应在 64 位整数以内）")),
        ({"n": -(2**63) - 1}, ("n", "整数超出范围（应在 64 位整数以内）")),
        ({"n": float("inf")}, ("n", "应为有限的数字")),
        ({"x\x02": 1}, ("（字段名）", "不能包含控制字符（U+0002）")),
    ],
)
def test_json_problem_walks_the_whole_document(document, found):
    assert v.json_problem(document) == found


# --- every model date field declares its window --------------------------------------------

# Dates the system sets itself (timestamps, copies, computed due days); no person enters them.
SYSTEM_DATES = {
    "accounts.User.locked_until",
    "accounts.User.last_login",
    "accounts.User.date_joined",
    "accounts.ApiToken.last_used_at",
    "accounts.ApiToken.expires_at",
    "activities.ActivityOrg.start",
    "activities.Attendance.checked_in_at",
    "assessment.AssessmentRun.published_at",
    "assessment.AssessmentRun.voided_at",
    "assessment.Objection.answered_at",
    "consultations.ProblemEvent.at",
    "deadlines.Escalation.issued_on",  # the daily job issues the step
    "deadlines.Escalation.acted_on",  # its to-do marked done, or deadlines.services.escalation_act
    "notifications.Notification.due",
    "notifications.Notification.read_at",
    "notifications.Notification.done_at",
    "proposals.GroupingRun.started_at",
    "proposals.GroupingRun.finished_at",
    "proposals.GroupingRun.adopted_at",
    # the background tasks' jobs (lianjian.core.jobs): stamped by the services and tasks
    "core.ImportJob.validated_at",
    "core.ImportJob.confirmed_at",
    "core.ImportJob.finished_at",
    "assessment.RunJob.finished_at",
    "assessment.StaleCheck.started_at",
    "assessment.StaleCheck.finished_at",
    "core.ReportJob.finished_at",
    "points.RecomputeJob.finished_at",
    "sharing.Booking.decided_at",
    "keytasks.ProgressReport.submitted_at",
    "keytasks.ProgressReport.confirmed_at",
    "keytasks.PackageClaim.claimed_on",
    "keytasks.PackageClaim.withdrawn_on",
    "points.PointsClaim.public_until",  # set by the 公示 step: the day plus the scheme's days
    # derived from the decision and its date by the services (decisions)
    "decisions.DecisionItem.decided_on",
    "decisions.DecisionItem.post_evaluation_due",
    # the dated history of a 岗区队, written by its services on the day of each step, review,
    # veto or departure (checked there: never before the previous step, never in the future)
    "carriers.CarrierMember.left_on",
    "carriers.CarrierStep.day",
    "carriers.CarrierReview.day",
    "carriers.VetoEvent.day",
    # computed or stamped by the supervision services
    "supervision.Batch.report_due",
    "supervision.Item.closed_on",
    "supervision.Item.first_closed_on",
    "supervision.Feedback.day",
    "supervision.ItemEvent.day",
    "supervision.Accountability.org_handling_due",
    # copies of the organisation's dates, written by orgs.figures
    "orgs.OrgFigures.dissolved",
    "orgs.OrgFigures.term_end",
}


def _date_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("lianjian."):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField | models.DateTimeField) and not (
                getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            ):
                yield model, field


def test_every_date_a_person_enters_declares_its_window():
    missing = []
    for model, field in _date_fields():
        label = f"{model._meta.app_label}.{model.__name__}.{field.name}"
        declared = getattr(model, "DATE_WINDOWS", {}).get(field.name)
        if label in SYSTEM_DATES:
            assert declared is None, f"{label} is set by the system and has no window"
        elif not isinstance(declared, v.DateWindow):
            missing.append(label)
    assert missing == []


def test_every_declared_window_names_a_date_field():
    for model in apps.get_models():
        for name in getattr(model, "DATE_WINDOWS", {}):
            assert isinstance(
                model._meta.get_field(name), models.DateField | models.DateTimeField
            ), (model, name)


# --- every form of the screens applies the rules ------------------------------------------


def _lianjian_forms() -> list[type[forms.BaseForm]]:
    for info in pkgutil.walk_packages(lianjian.__path__, "lianjian."):
        if (
            ".migrations" in info.name
            or ".management" in info.name
            or info.name.endswith(("wsgi", "cli"))
        ):
            continue
        importlib.import_module(info.name)
    found: list[type[forms.BaseForm]] = []
    stack = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("lianjian.") and sub is not EdgeRules:
                found.append(sub)
    return found


def test_every_form_of_the_screens_applies_the_edge_rules():
    found = _lianjian_forms()
    assert len(found) >= 39
    assert [f.__qualname__ for f in found if not issubclass(f, EdgeRules)] == []


def test_the_form_rules_fit_each_kind_of_field(world):
    from lianjian.activities.forms import ActivityForm

    form = ActivityForm(user=world.admin)
    topic, minutes = form.fields["topic"], form.fields["minutes"]
    assert TextRule("主题", multiline=False) in topic.validators
    assert TextRule("会议记录", multiline=True) in minutes.validators
    assert OuterDateRule("开始时间") in form.fields["start"].validators
    # a field with its own narrower bounds keeps them and gets no 64-bit ones on top
    assert form.fields["expected_count"].max_value == 100000


# --- every API text type and number is bounded ---------------------------------------------


def _input_fields():
    from lianjian.api import api

    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                if set(operation.methods) <= {"GET"}:
                    continue
                for params in operation.models:
                    yield from _walk(f"{'/'.join(operation.methods)} {path}", params)


def _walk(where: str, model: typing.Any):
    for name, field in model.model_fields.items():
        annotation = field.annotation
        for arg in (annotation, *typing.get_args(annotation)):
            if isinstance(arg, type) and hasattr(arg, "model_fields"):
                yield from _walk(f"{where}.{name}", arg)
            for inner in typing.get_args(arg):
                if isinstance(inner, type) and hasattr(inner, "model_fields"):
                    yield from _walk(f"{where}.{name}", inner)
        yield f"{where}.{name}", field


def _annotations(field) -> list:
    out, stack = [], [field.annotation]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(typing.get_args(item))
    return out


def test_every_integer_of_a_request_is_bounded():
    unbounded = []
    for where, field in _input_fields():
        kinds = _annotations(field)
        if int in kinds and bool not in kinds:
            bounds = {type(m).__name__ for m in field.metadata}
            if not ({"Ge", "Gt"} & bounds and {"Le", "Lt"} & bounds):
                unbounded.append(where)
    assert unbounded == []
