"""Point 8 of issue 18: framework messages and the audit log read in Chinese — the password
rules on every edge, and an audit row's field names and values."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from lianjian.core.audit_labels import field_label, value_text
from lianjian.core.models import AuditLog
from tests.conftest import PASSWORD

ENGLISH = ("password", "This", "least", "characters", "common", "numeric", "similar")


@pytest.mark.django_db
def test_a_too_short_password_is_refused_in_chinese_on_the_profile_screen(world):
    c = Client()
    c.force_login(world.manager_a)
    response = c.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "a1b2", "new_password2": "a1b2"},
    )
    html = response.content.decode()
    assert "密码太短，至少需要 8 个字符" in html
    assert not any(word in html for word in ("This password", "too short", "at least 8 characters"))


@pytest.mark.django_db
def test_the_password_rules_read_in_chinese_on_the_command_line(world):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "user",
            "add",
            "newcomer",
            "--role",
            "manager",
            "--org",
            "ZB-A",
            "--password",
            "a1b2",
            stdout=out,
            stderr=err,
        )
    text = out.getvalue() + err.getvalue()
    assert "密码太短" in text and "too short" not in text


def test_the_password_help_texts_are_chinese():
    for text in password_validators_help_texts():
        assert not any(word in text for word in ENGLISH), text


@pytest.mark.django_db
def test_audit_changes_name_fields_in_chinese_and_write_plain_values(world):
    log = AuditLog(
        target_type="proposals.groupingrun",
        before={"params": {"geo_scale_km": 30.0}, "org_id": 1},
        after={"params": {"geo_scale_km": 0.952381}, "org_id": 2, "adopted": True},
    )
    changes = log.changed_fields()
    assert changes[0] == ("参数", "地理尺度（公里）：30", "地理尺度（公里）：0.9524")
    assert ("已采纳", None, "是") in changes
    assert field_label("orgs.member", "birth_date") == "出生日期"
    assert field_label("sharing.booking", "org_id") == "预约组织"
    assert value_text(["ZB-A", "ZB-B"]) == "ZB-A、ZB-B"
    assert value_text(1.0) == "1" and value_text(7) == 7


@pytest.mark.django_db
def test_the_audit_screen_shows_no_raw_field_name(world):
    AuditLog.objects.create(
        target_type="proposals.groupingrun",
        target_id="1",
        action="update",
        before={"status": "运行中"},
        after={"status": "完成", "groups": 2},
    )
    c = Client()
    c.force_login(world.admin)
    html = c.get(reverse("core:audit_list")).content.decode()
    assert "分组数" in html and "<code>groups</code>" not in html and ">groups<" not in html


def test_audit_changes_show_a_choice_by_its_label_not_its_stored_value():
    assert value_text("open", "assessment.objection", "status") == "待答复"
    assert value_text("accepted", "assessment.objection", "status") == "已采纳"
    # Not a choice field, or no field named: the value as it is.
    assert value_text("open", "assessment.objection", "reason") == "open"
    assert value_text("open", "assessment.objection") == "open"
    assert field_label("assessment.assessmentrun", "voided") == "作废"
