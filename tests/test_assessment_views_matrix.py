"""Permission matrix of the assessment screens: personas × routes with exact status codes
(out of scope → 404, visible but not allowed → 403), anonymous → login, and on every
denied write nothing changes."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.assessment.models import (
    AssessmentRun,
    Dimension,
    Indicator,
    KpiValue,
    ManualScore,
    Scheme,
)
from lianjian.core.models import AuditLog
from tests.assessment_screens_helpers import make_assessed
from tests.matrix import assert_write, cases, client_for, expected


@pytest.fixture
def assessed(world):
    return make_assessed(world)


def _url(a, name: str) -> str:
    code = a.scheme.code
    dim = a.scheme.dimensions.first().pk
    ind = Indicator.objects.get(scheme=a.scheme, code="YW1").pk
    r = a.run2.pk
    table = {
        "list": reverse("assessment:scheme_list"),
        "create": reverse("assessment:scheme_create"),
        "upload": reverse("assessment:scheme_upload"),
        "detail": reverse("assessment:scheme_detail", args=[code]),
        "edit": reverse("assessment:scheme_edit", args=[code]),
        "delete": reverse("assessment:scheme_delete", args=[code]),
        "download": reverse("assessment:scheme_download", args=[code]),
        "dimension_create": reverse("assessment:dimension_create", args=[code]),
        "dimension_edit": reverse("assessment:dimension_edit", args=[code, dim]),
        "indicator_create": reverse("assessment:indicator_create", args=[code]),
        "indicator_edit": reverse("assessment:indicator_edit", args=[code, ind]),
        "part_delete": reverse("assessment:part_delete", args=[code, "indicators", ind]),
        "runs": reverse("assessment:run_list", args=[code]),
        "trend": reverse("assessment:scheme_trend", args=[code]),
        "results": reverse("assessment:run_results", args=[r]),
        "analysis": reverse("assessment:run_analysis", args=[r]),
        "compare": reverse("assessment:run_compare", args=[r]),
        "export": reverse("assessment:run_export", args=[r]),
        "report": reverse("assessment:run_report", args=[r]),
        "result_a": reverse("assessment:result_detail", args=[r, "ZB-A"]),
        "result_b": reverse("assessment:result_detail", args=[r, "ZB-B"]),
        "kpis": reverse("assessment:kpi_list"),
        "kpi_set": reverse("assessment:kpi_set"),
        "batch_a": reverse("assessment:batch_detail", args=[a.batch_a]),
        "batch_b": reverse("assessment:batch_detail", args=[a.batch_b]),
        "reviews": reverse("assessment:review_list"),
        "review": reverse("assessment:review_score", args=[a.review.pk]),
        "other_detail": reverse("assessment:scheme_detail", args=[a.other.code]),
    }
    return table[name]


# expected status per persona, in the order of PERSONAS
MATRIX = {
    "list": [200, 200, 200, 200, 200, 200],
    "create": [200, 200, 200, 403, 200, 200],
    "upload": [200, 200, 200, 403, 200, 200],
    "detail": [200, 200, 200, 200, 200, 404],
    "edit": [200, 200, 403, 403, 403, 404],
    "delete": [200, 200, 403, 403, 403, 404],
    "download": [200, 200, 200, 200, 200, 404],
    "dimension_create": [200, 200, 403, 403, 403, 404],
    "dimension_edit": [200, 200, 403, 403, 403, 404],
    "indicator_create": [200, 200, 403, 403, 403, 404],
    "indicator_edit": [200, 200, 403, 403, 403, 404],
    "part_delete": [200, 200, 403, 403, 403, 404],
    "runs": [200, 200, 200, 200, 200, 404],
    "trend": [200, 200, 200, 200, 200, 404],
    "results": [200, 200, 200, 200, 200, 404],
    "analysis": [200, 200, 200, 200, 200, 404],
    "compare": [200, 200, 200, 200, 200, 404],
    "export": [200, 200, 403, 403, 403, 404],
    "report": [302, 302, 302, 302, 302, 404],  # starts the report's job (its page)
    "result_a": [200, 200, 200, 200, 404, 404],
    "result_b": [200, 200, 404, 404, 200, 404],
    "kpis": [200, 200, 200, 200, 200, 200],
    "kpi_set": [200, 200, 403, 403, 403, 200],  # the scheme's owners only
    "batch_a": [200, 200, 200, 200, 404, 404],
    "batch_b": [200, 200, 404, 404, 200, 404],
    "reviews": [200, 200, 200, 200, 200, 200],
    "review": [200, 200, 403, 403, 403, 404],
    "other_detail": [200, 404, 404, 404, 404, 200],
}


@pytest.mark.parametrize(("view", "persona"), cases(dict(sorted(MATRIX.items()))))
def test_every_screen_answers_by_scope(world, assessed, view, persona):
    response = client_for(world, persona).get(_url(assessed, view))
    assert response.status_code == expected(MATRIX, view, persona), (
        view,
        persona,
        response.status_code,
    )


@pytest.mark.parametrize("view", sorted(MATRIX))
def test_anonymous_is_sent_to_login(world, assessed, view):
    response = Client().get(_url(assessed, view))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _state():
    """Everything a denied write could touch."""
    return (
        list(
            Scheme.objects.order_by("pk").values_list(
                "code", "name", "period", "pass_line", "stars"
            )
        ),
        list(Dimension.objects.order_by("pk").values_list("pk", "code", "max")),
        list(Indicator.objects.order_by("pk").values_list("pk", "code", "max", "rule")),
        list(AssessmentRun.objects.order_by("pk").values_list("pk", "version", "is_published")),
        list(KpiValue.objects.order_by("pk").values_list("pk", "value", "batch_id")),
        list(ManualScore.objects.order_by("pk").values_list("pk", "score", "comment")),
        AuditLog.objects.count(),
    )


def _scheme_file(a) -> io.BytesIO:
    data = {
        "code": a.scheme.code,
        "name": "改名",
        "period": "2025",
        "applies_to": {"kind": "党支部"},
        "dimensions": [{"code": "DJ", "name": "党建引领", "max": 100}],
        "indicators": [
            {
                "code": "DJ1",
                "name": "组织生活完成率",
                "dimension": "DJ",
                "max": 100,
                "rule": "ratio",
                "target": 1.0,
                "source": "compliance_rate",
            }
        ],
    }
    handle = io.BytesIO(json.dumps(data, ensure_ascii=False).encode())
    handle.name = "scheme.json"
    return handle


# (persona, route, POST data, expected status)
DENIED = [
    (
        "member_a",
        "create",
        {"code": "X1", "name": "x", "period": "2025", "applies_kind": "党支部", "pass_line": 60},
        403,
    ),
    (
        "manager_a",
        "edit",
        {
            "name": "改名",
            "period": "2025",
            "owner": "ZB-A",
            "applies_kind": "党支部",
            "pass_line": 60,
        },
        403,
    ),
    (
        "outsider",
        "edit",
        {
            "name": "改名",
            "period": "2025",
            "owner": "DW2",
            "applies_kind": "党支部",
            "pass_line": 60,
        },
        404,
    ),
    ("manager_b", "delete", {}, 403),
    ("outsider", "delete", {}, 404),
    ("manager_a", "dimension_create", {"code": "QT", "name": "其他", "max": 5, "position": 9}, 403),
    ("member_a", "dimension_edit", {"code": "DJ", "name": "改", "max": 5, "position": 0}, 403),
    (
        "manager_b",
        "indicator_create",
        {
            "code": "ZZ",
            "name": "新",
            "rule": "per_item",
            "source": "kpi",
            "per": 1,
            "max": 5,
            "position": 0,
        },
        403,
    ),
    (
        "member_a",
        "indicator_edit",
        {
            "code": "YW1",
            "name": "改",
            "rule": "ratio",
            "source": "kpi",
            "target": 1,
            "max": 5,
            "position": 0,
        },
        403,
    ),
    ("manager_a", "part_delete", {}, 403),
    ("outsider", "part_delete", {}, 404),
    ("manager_a", "runs", {"period": "2025"}, 403),
    ("outsider", "runs", {"period": "2025"}, 404),
    (
        "member_a",
        "kpi_set",
        {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 1},
        403,
    ),
    (
        "manager_a",
        "kpi_set",
        {"org": "ZB-B", "period": "2025", "indicator_code": "YW1", "value": 1},
        403,
    ),
    (
        "outsider",
        "kpi_set",
        {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 1},
        400,
    ),
    ("manager_a", "review", {"org": "ZB-A", "score": 1, "period": "2025"}, 403),
    ("outsider", "review", {"org": "ZB-A", "score": 1, "period": "2025"}, 404),
    ("company", "review", {"org": "ZB-X", "score": 1, "period": "2025"}, 404),
    ("company", "review", {"org": "ZB-A", "score": 11, "period": "2025"}, 302),
    ("member_a", "upload", None, 403),
    ("manager_a", "upload", None, 400),
    ("outsider", "upload", None, 400),
]


@pytest.mark.parametrize(("persona", "view", "data", "status"), DENIED)
def test_denied_writes_change_nothing(world, assessed, persona, view, data, status):
    payload = data if data is not None else {"file": _scheme_file(assessed)}
    # A refused review (score out of range) redirects without saving: unchanged even on 302.
    assert_write(
        _state,
        lambda: client_for(world, persona).post(_url(assessed, view), payload).status_code,
        status,
        changes=False,
    )


@pytest.mark.parametrize(
    ("persona", "status", "published"),
    [
        ("manager_b", 404, True),
        ("member_a", 404, True),
        ("outsider", 404, True),
        ("company", 302, False),
    ],
)  # a draft: 404
def test_publishing_needs_the_right_to_manage(world, assessed, persona, status, published):
    response = client_for(world, persona).post(
        reverse("assessment:run_publish", args=[assessed.run1.pk])
    )
    assert response.status_code == status
    assert AssessmentRun.objects.get(pk=assessed.run2.pk).is_published is published
    assert AssessmentRun.objects.get(pk=assessed.run1.pk).is_published is not published


def test_publish_is_post_only(world, assessed):
    response = client_for(world, "company").get(
        reverse("assessment:run_publish", args=[assessed.run1.pk])
    )
    assert response.status_code == 405
    assert AssessmentRun.objects.get(pk=assessed.run2.pk).is_published
