"""API endpoints of 智能分组: ``/api/v1/grouping/runs/{id}`` and ``…/adopt``.

A run is found as on its page: visible through its root and with every organisation
visible, else 404 as if absent; members have no planner rights (403). Adopting needs every
organisation of the run manageable (403) and the required ``networks`` choice — what
becomes of today's 联建网 of the organisations (保留, 终止 or 替换, as on the adoption
form); a refused adoption (400) changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.params import functions as param_functions
from pydantic import ConfigDict

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.core.api_utils import MAX_ID, READ_ERRORS, WRITE_ERRORS, ErrorOut
from lianjian.core.scope import manages_any
from lianjian.orgs.models import Organisation
from lianjian.proposals import services
from lianjian.proposals.models import GroupingRun

runs_router = Router(tags=["智能分组"])
RunId: Any = param_functions.Path(..., ge=1, le=MAX_ID, description="分组方案 id")


class NetworkOut(Schema):
    code: str = Field(..., description="联建编码")
    name: str
    in_run: list[str] = Field(..., description="本方案内的成员组织编码")
    others: list[str] = Field(..., description="其他成员组织编码")
    on_replace: str = Field(..., description="选择“替换”时：终止 或 退出")


class RunOut(Schema):
    id: int
    status: str = Field(..., description="排队、运行中、完成 或 失败")
    root: str = Field(..., description="分组范围（组织编码）")
    orgs: list[str] = Field(..., description="参与分组的组织编码")
    groups: list[list[str]] = Field(..., description="分组结果（完成后）：每组的组织编码")
    adopted_at: datetime.datetime | None
    alliances: list[str] = Field(..., description="采纳生成的联建编码")
    networks: list[NetworkOut] = Field(
        ..., description="参与组织目前所在的联建网（采纳时须选择处理方式）"
    )


class AdoptIn(Schema):
    model_config = ConfigDict(extra="forbid")

    networks: Literal["保留", "终止", "替换"] = Field(
        ...,
        description="现有联建网的处理方式：保留（不变）、终止（终止涉及的联建网）或 替换（本方案内的组织退出，"
        "牵头组织退出或不足两个成员的联建网随之终止）",
    )


def _visible_run(user: User, run_id: int) -> GroupingRun:
    run = GroupingRun.objects.visible_to(user).select_related("root").filter(pk=run_id).first()
    if run is None:
        raise Http404
    ids = set(run.org_ids)
    if Organisation.objects.visible_to(user).filter(pk__in=ids).count() != len(ids):
        raise Http404
    if not manages_any(user):
        raise HttpError(403, "只有组织管理员可以使用智能分组")
    return run


def run_out(run: GroupingRun) -> dict[str, Any]:
    codes = dict(Organisation.objects.filter(pk__in=run.org_ids).values_list("pk", "code"))
    replace = services.network_changes(run, services.Networks.REPLACE)
    return {
        "id": run.pk,
        "status": run.status,
        "root": run.root.code,
        "orgs": sorted(codes.values()),
        "groups": [list(g["members"]) for g in (run.result or {}).get("groups", [])],
        "adopted_at": run.adopted_at,
        "alliances": sorted(run.alliances.values_list("code", flat=True)),
        "networks": [
            {
                "code": c["alliance"].code,
                "name": c["alliance"].name,
                "in_run": [o.code for o in c["in_run"]],
                "others": [o.code for o in c["others"]],
                "on_replace": c["action"],
            }
            for c in replace
        ],
    }


@runs_router.get(
    "/runs/{run_id}", response={200: RunOut, **READ_ERRORS, 403: ErrorOut}, summary="分组方案"
)
def run_detail(request: HttpRequest, run_id: int = RunId) -> dict[str, Any]:
    return run_out(_visible_run(caller(request), run_id))


@runs_router.post(
    "/runs/{run_id}/adopt", response={200: RunOut, **WRITE_ERRORS}, summary="采纳分组方案"
)
def run_adopt(request: HttpRequest, payload: AdoptIn, run_id: int = RunId) -> dict[str, Any]:
    """Create one 联建网 per group and apply ``networks`` to today's networks, all or nothing."""
    user = caller(request)
    run = _visible_run(user, run_id)
    if not services.may_adopt(user, run):
        raise HttpError(403, "无权采纳该方案：须能管理方案中的全部组织")
    services.run_adopt(actor=user, run=run, networks=payload.networks)
    return run_out(_visible_run(user, run_id))
