"""The ``activities`` kind: checking a file against the database and the importer's scope,
writing it, exporting."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.activities.compliance_store import forget
from lianjian.activities.excel.columns import (
    COL,
    COLUMNS,
    FIELD_HEADERS,
    NEW_STATE,
    SIMPLE,
    STATE_FIELDS,
)
from lianjian.activities.models import (
    Activity,
    ActivityOrg,
    ActivityStatus,
    Attendance,
    activity_row_errors,
    committee_meeting_valid,
    default_for_year,
    for_year_problem,
)
from lianjian.activities.reminders import review_backlog
from lianjian.activities.services import link, sync_links
from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.audit import audit_row, diff, snapshot
from lianjian.core.excel import (
    ABSENT,
    INVALID,
    KEY_TAKEN,
    ErrorList,
    ExcelKind,
    ImportResult,
    ListExport,
    Sheet,
    by_code,
    changes,
    chunks,
    conclude,
    first_rows,
    hidden_keys,
    ids_by_code,
    in_batches,
    insert_audit,
    ordered_codes,
    refused_keys,
    refused_result,
    register,
    resolve_code,
    resolve_list,
    row_state,
)
from lianjian.core.models import AuditLog
from lianjian.core.scope import scope_of
from lianjian.notifications.reminders import deliver
from lianjian.orgs.excel import export_root, may_import
from lianjian.orgs.models import Organisation


def _link_codes(ids: list[int]) -> dict[int, list[str]]:
    """Activity id → the codes of its organisations, the host first."""
    return ordered_codes(ActivityOrg.objects.all(), "activity_id", "org__code", ids)


def _changed(
    current: Activity | None,
    state: dict[str, Any],
    listed: list[Organisation],
    link_codes: dict[int, list[str]],
) -> bool:
    """Whether the row changes the stored activity (its fields or its organisations)."""
    return current is not None and changes(
        current, state, STATE_FIELDS, [o.code for o in listed], link_codes.get(current.pk, [])
    )


class ActivityExcel(ListExport, ExcelKind):
    """The ``activities`` kind."""

    name = "activities"
    label = "活动"
    columns = COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "活动类型：支部党员大会、支部委员会、党小组会、党课、主题党日、组织生活会、民主评议党员、谈心谈话、联建活动。",
            "联合开展的活动对所列每个组织都计入组织生活次数。",
            "组织管理员只能导入本组织及下级组织主办的活动；协办组织须在本人范围内，或是所填联建的成员单位。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        # What an admin (or the system) imports is approved; a manager's is submitted for approval.
        is_manager = user is not None and not scope_of(user).everything
        if not may_import(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        new_status = ActivityStatus.SUBMITTED if is_manager else ActivityStatus.APPROVED
        first = first_rows(sheet, COL["活动编号"], "活动编号")
        existing = by_code(Activity.objects.select_related("host"), first)
        taken = hidden_keys(existing, None if user is None else Activity.objects.visible_to(user))
        alliance_codes = {
            v[COL["联建编码"]]
            for _, v in sheet.rows
            if isinstance(v[COL["联建编码"]], str) and v[COL["联建编码"]]
        }
        alliances_qs = Alliance.objects.all() if user is None else Alliance.objects.visible_to(user)
        alliances = by_code(alliances_qs.only("id", "code", "lead_id"), alliance_codes)
        alliance_orgs: dict[int, set[int]] = {}
        for alliance_id, org_id in AllianceMember.objects.filter(
            alliance_id__in=[a.pk for a in alliances.values()], left_on__isnull=True
        ).values_list("alliance_id", "org_id"):
            alliance_orgs.setdefault(alliance_id, set()).add(org_id)
        for a in alliances.values():
            alliance_orgs.setdefault(a.pk, set()).add(a.lead_id)
        attendance_ids: set[int] = set()
        for chunk in chunks([a.pk for a in existing.values()]):
            attendance_ids.update(
                Attendance.objects.filter(activity_id__in=chunk)
                .values_list("activity_id", flat=True)
                .distinct()
            )
        link_codes = _link_codes([a.pk for a in existing.values()])
        org_codes = {
            c
            for _, v in sheet.rows
            if isinstance(v[COL["组织编码"]], list)
            for c in v[COL["组织编码"]]
        }
        orgs = by_code(
            Organisation.objects.only("id", "code", "path", "name", "founded"), org_codes
        )
        if user is not None:
            # What the user may know of: the organisations they see, the members of the
            # alliances named, those listed on the activities being updated.
            known = set(
                Organisation.objects.visible_to(user)
                .filter(pk__in=[o.pk for o in orgs.values()])
                .values_list("pk", flat=True)
            )
            known.update(pk for ids in alliance_orgs.values() for pk in ids)
            listed_codes = {c for codes in link_codes.values() for c in codes}
            orgs = {c: o for c, o in orgs.items() if o.pk in known or c in listed_codes}

        plan: list[tuple[str, Activity | None, dict[str, Any], list[Organisation]]] = []
        # (row, the host the manager must manage or None for a stored activity, the other
        # organisations they must manage): asked at once below.
        scope_checks: list[tuple[int, Organisation | None, list[Organisation]]] = []
        for number, values in sheet.rows:
            code = values[COL["活动编号"]]
            current = (
                existing.get(code) if code is not INVALID and first.get(code) == number else None
            )
            state = row_state(current, STATE_FIELDS, NEW_STATE, values, COL, SIMPLE)
            codes: Any = link_codes.get(current.pk, []) if current is not None else []
            if values[COL["组织编码"]] is not ABSENT:
                codes = values[COL["组织编码"]]
            # 所属年度 left out (or blank): the year of the start, unless an annual meeting
            # already records another one that still fits it.
            if state["for_year"] is None or (
                values[COL["所属年度"]] is ABSENT
                and isinstance(state["start"], datetime.datetime)
                and for_year_problem(state["type"], state["start"], state["for_year"])
            ):
                state["for_year"] = (
                    default_for_year(state["start"])
                    if isinstance(state["start"], datetime.datetime)
                    else None
                )
            if code in taken and first.get(code) == number:
                errors.add(number, "活动编号", KEY_TAKEN)
            alliance_id = resolve_code(
                values[COL["联建编码"]], alliances, errors, number, "联建编码", "联建 {code} 不存在"
            )
            if alliance_id is not ABSENT:
                state["alliance_id"] = alliance_id
            listed = resolve_list(codes, orgs, errors, number, "组织编码", "组织 {code} 不存在")
            if codes is not INVALID and len(listed) == len(codes) and listed and is_manager:
                members = (
                    alliance_orgs.get(state["alliance_id"], set())
                    if isinstance(state["alliance_id"], int)
                    else set()
                )
                scope_checks.append(
                    (number, listed[0], [org for org in listed[1:] if org.pk not in members])
                )
            if current is not None and is_manager:
                scope_checks.append((number, None, [current.host]))
            if current is not None and current.is_void:
                errors.add(
                    number, "活动编号", f"该活动已作废（{current.void_reason}），不能再导入修改"
                )
            host = (
                listed[0] if codes is not INVALID and listed and len(listed) == len(codes) else None
            )
            status = current.status if current is not None else new_status
            for field_name, message in activity_row_errors(
                {**state, "status": status}, host=host
            ).items():
                errors.add(number, FIELD_HEADERS.get(field_name, "活动编号"), message)
            if current is not None and current.pk in attendance_ids:
                for header, name in (("应到人数", "expected_count"), ("实到人数", "present_count")):
                    if values[COL[header]] is not ABSENT and state[name] != getattr(current, name):
                        errors.add(
                            number,
                            header,
                            f"该活动已有签到名单，{header}以签到记录为准（{getattr(current, name)}）",
                        )
            plan.append((code, current, state, listed))
        self._check_scope(scope_checks, user, errors)

        return conclude(
            result,
            errors,
            (
                (current is None, _changed(current, state, listed, link_codes))
                for _, current, state, listed in plan
            ),
            dry_run=dry_run,
            write=lambda: self._write(
                plan, link_codes, status=new_status, actor=actor, file_name=file_name, result=result
            ),
        )

    @staticmethod
    def _check_scope(
        checks: list[tuple[int, Organisation | None, list[Organisation]]],
        user: Any,
        errors: ErrorList,
    ) -> None:
        """A manager imports the activities hosted in their subtree, with co-hosts in it or
        in the alliance named, and changes only the stored activities hosted there: every
        organisation this names is asked at once (core.excel ``refused_keys``)."""
        if not checks:
            return
        ids = {
            org.pk
            for _, host, others in checks
            for org in ([host] if host is not None else []) + others
        }
        refused = refused_keys(Organisation.objects.all(), user, "change", ids)
        for number, host, others in checks:
            if host is None:
                if others[0].pk in refused:
                    errors.add(number, "活动编号", "无权操作该活动")
                continue
            if host.pk in refused:
                errors.add(
                    number, "组织编码", f"无权操作组织 {host.code}（主办组织须在本人管理范围内）"
                )
            for org in others:
                if org.pk in refused:
                    errors.add(
                        number,
                        "组织编码",
                        f"组织 {org.code} 不在本人范围内，也不是所填联建的成员单位",
                    )

    def _write(
        self,
        plan: list[tuple[str, Activity | None, dict[str, Any], list[Organisation]]],
        link_codes: dict[int, list[str]],
        *,
        status: str,
        actor: Any,
        file_name: str,
        result: ImportResult,
    ) -> None:
        now = timezone.now()
        audits: list[dict[str, Any]] = []
        with transaction.atomic():
            creates: list[tuple[Activity, list[Organisation]]] = []
            relink: list[tuple[Activity, list[Organisation]]] = []
            for code, current, state, listed in plan:
                if current is None:
                    a = Activity(code=code, host=listed[0], status=status, **state)
                    a.is_valid = committee_meeting_valid(a.type, a.expected_count, a.present_count)
                    creates.append((a, listed))
                    continue
                if not _changed(current, state, listed, link_codes):
                    continue
                before = snapshot(current)
                before["orgs"] = link_codes.get(current.pk, [])
                for name, value in state.items():
                    setattr(current, name, value)
                current.host = listed[0]
                current.is_valid = committee_meeting_valid(
                    current.type, current.expected_count, current.present_count
                )
                current.save()
                sync_links(current)
                after = snapshot(current)
                after["orgs"] = [o.code for o in listed]
                b, a_ = diff(before, after)
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.UPDATE,
                        obj=current,
                        before=b,
                        after=a_,
                        note=f"Excel 导入：{file_name}",
                    )
                )
                if after["orgs"] != before["orgs"]:
                    relink.append((current, listed))
            Activity.objects.bulk_create([a for a, _ in creates], batch_size=1000)
            ids = ids_by_code(Activity, [a.code for a, _ in creates])
            links: list[ActivityOrg] = []
            for a, listed in creates:
                a.pk = ids[a.code]
                links += [link(a, o.pk, i) for i, o in enumerate(listed)]
                after = snapshot(a)
                after["orgs"] = [o.code for o in listed]
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.CREATE,
                        obj=a,
                        after=after,
                        note=f"Excel 导入：{file_name}",
                    )
                )
            for a, listed in relink:
                ActivityOrg.objects.filter(activity=a).delete()
                links += [link(a, o.pk, i) for i, o in enumerate(listed)]
            ActivityOrg.objects.bulk_create(links, batch_size=2000)
            # Every organisation listed before or after: their compliance tallies are stale.
            forget(
                [o.pk for _, _, _, listed in plan for o in listed]
                + list(
                    Organisation.objects.filter(
                        code__in={c for codes in link_codes.values() for c in codes}
                    ).values_list("pk", flat=True)
                )
            )
            audits.append(
                audit_row(**self.import_audit(actor=actor, result=result, file_name=file_name))
            )
            insert_audit(audits, now)
            # New records a manager imported are submitted: they reach their reviewers' inbox.
            deliver(review_backlog([a for a, _ in creates]))

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Activity.objects.all() if user is None else Activity.objects.visible_to(user)
        qs = qs.exclude(
            status=ActivityStatus.VOID
        )  # a voided record is kept, but is not part of the record set
        if org_code:
            root = export_root(user, org_code)
            qs = qs.filter(
                pk__in=ActivityOrg.objects.filter(org__path__under=root.path).values("activity_id")
            )
        return self.export_list_rows(user=user, rows=qs)

    list_name = "activities"

    def export_list_rows(self, *, user: Any, rows: Any) -> Iterator[Sequence[Any]]:
        return self._export(rows.select_related("alliance").order_by("start", "code"))

    def _export(self, qs: Any) -> Iterator[Sequence[Any]]:
        return in_batches(qs.iterator(chunk_size=2000), self._rows, 2000)

    def _rows(self, batch: list[Activity]) -> Iterator[Sequence[Any]]:
        codes = _link_codes([a.pk for a in batch])
        for a in batch:
            yield (
                a.code,
                codes.get(a.pk, []),
                a.type,
                a.start,
                a.topic,
                a.venue,
                a.expected_count,
                a.present_count,
                a.alliance.code if a.alliance is not None else None,
                a.sub_kind,
                a.for_year,
            )


register(ActivityExcel())
