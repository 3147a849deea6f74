"""The committed OpenAPI document (docs/openapi.json) is the live one.

Integrators read the committed copy; a change of the API must show up in review as a
change of that file. When this test fails, regenerate it with the command it prints.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.test import Client

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
REGENERATE = (
    ".venv/bin/lianjian export_openapi_schema --api lianjian.api.api --indent 2 --sorted "
    "--output docs/openapi.json"
)


def test_committed_openapi_document_matches_the_live_one(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    live = json.loads(response.content)
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert live == committed, (
        "docs/openapi.json 与当前 API 不一致（the committed OpenAPI document is out of date）。"
        f"请在仓库根目录运行：{REGENERATE}"
    )


def test_the_document_describes_the_contract_endpoints(db):
    paths = json.loads(COMMITTED.read_text(encoding="utf-8"))["paths"]
    assert {p: sorted(ops) for p, ops in paths.items()} == {
        "/api/v1/auth/token": ["delete", "post"],
        "/api/v1/auth/me": ["get"],
        "/api/v1/orgs": ["get", "post"],
        "/api/v1/orgs/{code}": ["get", "patch"],
        "/api/v1/orgs/{code}/dissolve": ["post"],
        "/api/v1/members": ["get", "post"],
        "/api/v1/members/{member_id}": ["get", "patch"],
        "/api/v1/members/{member_id}/transfer": ["post"],
        "/api/v1/alliances": ["get", "post"],
        "/api/v1/alliances/{code}": ["get", "patch"],
        "/api/v1/alliances/{code}/members": ["post"],
        "/api/v1/agreements": ["get", "post"],
        "/api/v1/agreements/{agreement_id}": ["get"],
        "/api/v1/agreements/{agreement_id}/status": ["post"],
        "/api/v1/agreements/{agreement_id}/renew": ["post"],
        "/api/v1/activities": ["get", "post"],
        "/api/v1/activities/{code}": ["get"],
        "/api/v1/activities/{code}/void": ["post"],
        "/api/v1/compliance": ["get"],
        "/api/v1/compliance/rules": ["get"],
        "/api/v1/resources": ["get", "post"],
        "/api/v1/resources/{code}": ["get", "patch"],
        "/api/v1/bookings": ["get", "post"],
        "/api/v1/bookings/{booking_id}": ["get"],
        "/api/v1/bookings/{booking_id}/approve": ["post"],
        "/api/v1/bookings/{booking_id}/decline": ["post"],
        "/api/v1/bookings/{booking_id}/cancel": ["post"],
        "/api/v1/needs": ["get", "post"],
        "/api/v1/needs/{code}": ["get"],
        "/api/v1/meetings": ["get", "post"],
        "/api/v1/meetings/{code}": ["get"],
        "/api/v1/grouping/runs/{run_id}": ["get"],
        "/api/v1/grouping/runs/{run_id}/adopt": ["post"],
        "/api/v1/problems": ["get", "post"],
        "/api/v1/problems/{code}": ["get"],
        "/api/v1/problems/{code}/assign": ["post"],
        "/api/v1/problems/{code}/progress": ["post"],
        "/api/v1/problems/{code}/solve": ["post"],
        "/api/v1/problems/{code}/confirm": ["post"],
        "/api/v1/problems/{code}/reopen": ["post"],
        "/api/v1/assessment/schemes": ["get"],
        "/api/v1/assessment/schemes/{code}": ["get"],
        "/api/v1/assessment/kpis": ["get", "post"],
        "/api/v1/assessment/results": ["get"],
        "/api/v1/assessment/runs": ["get"],
        "/api/v1/assessment/reviews": ["get"],
        "/api/v1/assessment/objections": ["get", "post"],
        "/api/v1/assessment/objections/{objection_id}/answer": ["post"],
        "/api/v1/task-lists": ["get", "post"],
        "/api/v1/task-lists/{code}": ["get", "patch"],
        "/api/v1/task-lists/{code}/status": ["get"],
        "/api/v1/task-lists/{code}/transition": ["post"],
        "/api/v1/tasks": ["get", "post"],
        "/api/v1/tasks/{code}": ["get", "patch"],
        "/api/v1/tasks/{code}/transition": ["post"],
        "/api/v1/milestones": ["get", "post"],
        "/api/v1/milestones/{milestone_id}": ["get"],
        "/api/v1/milestones/{milestone_id}/action": ["post"],
        "/api/v1/task-reports": ["get", "post"],
        "/api/v1/task-reports/{report_id}": ["get"],
        "/api/v1/task-reports/{report_id}/action": ["post"],
        "/api/v1/decisions": ["get", "post"],
        "/api/v1/decisions/{number}": ["get"],
        "/api/v1/decisions/{number}/submit": ["post"],
        "/api/v1/decisions/{number}/studies": ["post"],
        "/api/v1/decisions/{number}/decision": ["post"],
        "/api/v1/decisions/{number}/execution": ["patch", "post"],
        "/api/v1/decisions/{number}/finish": ["post"],
        "/api/v1/decisions/{number}/evaluation": ["post"],
        "/api/v1/decisions/{number}/archive": ["post"],
        "/api/v1/decision-lists": ["post"],
        "/api/v1/decision-lists/{code}": ["get"],
        "/api/v1/decision-lists/{code}/lines": ["post"],
        "/api/v1/decision-lists/{code}/lines/{line_id}/withdraw": ["post"],
        "/api/v1/carriers": ["get", "post"],
        "/api/v1/carriers/figures": ["get"],
        "/api/v1/carriers/{code}": ["get"],
        "/api/v1/carriers/{code}/transition": ["post"],
        "/api/v1/carriers/{code}/reviews": ["post"],
        "/api/v1/carriers/{code}/vetoes": ["post"],
        "/api/v1/calls": ["get", "post"],
        "/api/v1/calls/{code}": ["get"],
        "/api/v1/calls/{code}/transition": ["post"],
        "/api/v1/bids": ["get", "post"],
        "/api/v1/bids/{code}": ["get"],
        "/api/v1/bids/{code}/transition": ["post"],
        "/api/v1/projects": ["get"],
        "/api/v1/projects/dashboard": ["get"],
        "/api/v1/projects/{code}": ["get"],
        "/api/v1/projects/{code}/advance": ["post"],
        "/api/v1/projects/{code}/metrics": ["post"],
        "/api/v1/projects/{code}/awards": ["post"],
        "/api/v1/projects/{code}/awards/{award_id}/void": ["post"],
        "/api/v1/supervision/batches": ["get", "post"],
        "/api/v1/supervision/batches/{code}/items": ["post"],
        "/api/v1/supervision/batches/{code}": ["get"],
        "/api/v1/supervision/items": ["get"],
        "/api/v1/supervision/items/{item_id}": ["get"],
        "/api/v1/supervision/items/{item_id}/measures": ["post"],
        "/api/v1/supervision/items/{item_id}/actions": ["post"],
        "/api/v1/supervision/measures/{measure_id}/state": ["post"],
        "/api/v1/supervision/leads": ["get", "post"],
        "/api/v1/supervision/leads/{lead_id}": ["get"],
        "/api/v1/supervision/leads/{lead_id}/settle": ["post"],
        "/api/v1/supervision/recommendations/{rec_id}/reply": ["post"],
        "/api/v1/supervision/recommendations/{rec_id}/follow-up": ["post"],
        "/api/v1/supervision/recommendations": ["get"],
        "/api/v1/points/schemes": ["get"],
        "/api/v1/points/entries": ["get"],
        "/api/v1/points/claims": ["get", "post"],
        "/api/v1/points/claims/{claim_id}/{action}": ["post"],
        "/api/v1/points/schemes/{code}/standings": ["get"],
        "/api/v1/points/schemes/{code}/standings/{number}": ["get", "put"],
        "/api/v1/appraisals": ["get", "post"],
        "/api/v1/appraisals/{code}": ["get"],
        "/api/v1/appraisals/{code}/transition": ["post"],
        "/api/v1/appraisals/{code}/self-assessment": ["put"],
        "/api/v1/appraisals/{code}/votes": ["post"],
        "/api/v1/appraisals/{code}/decisions": ["post"],
        "/api/v1/appraisals/{code}/meeting": ["post"],
    }
    # getting a token needs no token; everything else does
    assert "security" not in paths["/api/v1/auth/token"]["post"]
    assert paths["/api/v1/orgs"]["get"]["security"] == [{"TokenAuth": []}]
