"""The ``problems`` kind: checking a file against the database, the rules of a problem
and the importer's scope, and writing it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.consultations import rules
from lianjian.consultations.excel.columns import COL, COLUMNS, SIMPLE, STATE_FIELDS
from lianjian.consultations.excel.export import _owner_codes, export_rows
from lianjian.consultations.models import (
    Problem,
    ProblemEvent,
    ProblemOwner,
    Urgency,
    field_label,
    problem_row_errors,
)
from lianjian.consultations.selectors import org_problems_q
from lianjian.core.audit import audit_row, diff, snapshot
from lianjian.core.excel import (
    ABSENT,
    INVALID,
    KEY_TAKEN,
    ErrorList,
    ExcelKind,
    ImportResult,
    Sheet,
    by_code,
    changes,
    conclude,
    first_rows,
    hidden_keys,
    ids_by_code,
    insert_audit,
    refused_keys,
    refused_result,
    register,
    resolve_code,
    resolve_list,
    row_state,
)
from lianjian.core.models import AuditLog
from lianjian.orgs.excel import export_root, may_import
from lianjian.orgs.models import Organisation

NEW_STATE = {
    "title": "",
    "category": None,
    "urgency": Urgency.NORMAL,
    "alliance_id": None,
    "raised_by_id": None,
    "description": "",
    "responsible": "",
    "deadline": None,
    "state": rules.PENDING,
    "raised_on": None,
    "solved_on": None,
    "resolution": "",
}


def _changed(
    current: Problem | None,
    state: dict[str, Any],
    listed: list[Organisation],
    owner_codes: dict[int, list[str]],
) -> bool:
    """Whether the row changes the stored problem (its fields or its owners)."""
    return current is not None and changes(
        current, state, STATE_FIELDS, [o.code for o in listed], owner_codes.get(current.pk, [])
    )


# Which column each rule of ``problem_row_errors`` speaks about.
FIELD_HEADERS = {name: header for header, name in SIMPLE} | {
    "state": "状态",
    "raised_on": "提出日期",
}


def _state_errors(
    state: dict[str, Any], owners: list[Any] | Any, raised_by: Organisation | None
) -> list[tuple[str, str]]:
    """(column, reason) for every way the row's state, dates and owners disagree: the
    problem's own rules (``problem_row_errors``) and, which only a file has, its owners."""
    errors = [
        (FIELD_HEADERS.get(name, "问题编号"), reason)
        for name, reason in problem_row_errors(state, raised_by=raised_by).items()
    ]
    st = state["state"]
    if st is INVALID:
        return errors
    has_owners = isinstance(owners, list) and bool(owners)
    if st == rules.PENDING and has_owners:
        errors.append(
            ("责任组织编码", "待研究的问题尚未分派，不能填写责任组织（已分派请将状态填为“已分派”）")
        )
    elif st != rules.PENDING and owners is not INVALID and not has_owners:
        errors.append(("责任组织编码", f"{st}的问题须填写责任组织"))
    return errors


def _lead_of(problem: Problem) -> Any:
    """The lead organisation (id) of ``problem``'s alliance; None without an alliance."""
    return problem.alliance.lead_id if problem.alliance is not None else None


class ProblemExcel(ExcelKind):
    """The ``problems`` kind."""

    name = "problems"
    label = "问题清单"
    columns = COLUMNS

    def general_notes(self) -> list[str]:
        return [
            *super().general_notes(),
            "状态：待研究 → 已分派 → 办理中 → 待确认 → 已销号。已分派及以后须填写责任组织和办理期限；"
            "待确认、已销号须填写解决日期和解决情况。",
            "组织管理员可导入本人管理的联建的问题，以及本组织及下级组织提出的、不属于联建的问题。",
        ]

    def apply(
        self, sheet: Sheet, *, actor: Any, user: Any, dry_run: bool, file_name: str
    ) -> ImportResult:
        if not may_import(user):
            return refused_result(self, file_name, dry_run)
        result = ImportResult(kind=self.name, file_name=file_name, dry_run=dry_run)
        errors = sheet.errors
        today = timezone.localdate()
        first = first_rows(sheet, COL["问题编号"], "问题编号")
        existing: dict[str, Problem] = by_code(
            Problem.objects.select_related("raised_by", "alliance", "alliance__lead"), first
        )
        taken = hidden_keys(existing, None if user is None else Problem.objects.visible_to(user))
        owner_codes = _owner_codes([p.pk for p in existing.values()])
        org_codes = {
            v[COL["提出组织编码"]] for _, v in sheet.rows if isinstance(v[COL["提出组织编码"]], str)
        }
        org_codes |= {
            c
            for _, v in sheet.rows
            if isinstance(v[COL["责任组织编码"]], list)
            for c in v[COL["责任组织编码"]]
        }
        org_codes |= {
            c for codes in owner_codes.values() for c in codes
        }  # rows without the column keep them
        orgs_qs = (
            Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
        )
        orgs = by_code(
            orgs_qs.only("id", "code", "path", "name", "founded", "dissolved"), org_codes
        )
        alliance_codes = {
            v[COL["联建编码"]]
            for _, v in sheet.rows
            if isinstance(v[COL["联建编码"]], str) and v[COL["联建编码"]]
        }
        alliances_qs = Alliance.objects.all() if user is None else Alliance.objects.visible_to(user)
        alliances = by_code(
            alliances_qs.select_related("lead").only("id", "code", "lead__path"), alliance_codes
        )
        alliance_orgs: dict[int, set[int]] = {a.pk: {a.lead_id} for a in alliances.values()}
        for alliance_id, org_id in AllianceMember.objects.filter(
            alliance_id__in=list(alliance_orgs), left_on__isnull=True
        ).values_list("alliance_id", "org_id"):
            alliance_orgs[alliance_id].add(org_id)
        # Organisations of the alliances named may be outside the user's own subtree (partners):
        # an alliance's members are what its managers see of it.
        extra = org_codes - set(orgs)
        if extra and user is not None:
            members = {pk for ids in alliance_orgs.values() for pk in ids}
            orgs.update(
                by_code(
                    Organisation.objects.filter(pk__in=members).only(
                        "id", "code", "path", "name", "founded", "dissolved"
                    ),
                    extra,
                )
            )
        alliance_leads: dict[int, int] = {a.pk: a.lead_id for a in alliances.values()}
        # (row, column, the organisation whose manager may import the row, the one whose
        # manager may change the stored problem, whether there is one): asked at once below.
        scope_checks: list[tuple[int, str, Any, Any, bool]] = []

        plan: list[tuple[str, Problem | None, dict[str, Any], list[Organisation]]] = []
        for number, values in sheet.rows:
            code = values[COL["问题编号"]]
            current = (
                existing.get(code) if code is not INVALID and first.get(code) == number else None
            )
            state = row_state(
                current, STATE_FIELDS, {**NEW_STATE, "raised_on": today}, values, COL, SIMPLE
            )
            codes: Any = owner_codes.get(current.pk, []) if current is not None else []
            for header, name in (("紧急程度", "urgency"), ("状态", "state")):
                value = values[COL[header]]
                if value is not ABSENT and value != "":
                    state[name] = value
            if values[COL["提出日期"]] not in (ABSENT, None):
                state["raised_on"] = values[COL["提出日期"]]
            if values[COL["责任组织编码"]] is not ABSENT:
                codes = values[COL["责任组织编码"]]
            if code in taken and first.get(code) == number:
                errors.add(number, "问题编号", KEY_TAKEN)
            raiser_code = values[COL["提出组织编码"]]
            raiser = None
            if raiser_code is not INVALID:
                raiser = orgs.get(raiser_code)
                if raiser is None:
                    errors.add(number, "提出组织编码", f"组织 {raiser_code} 不存在或不在您的范围内")
                    state["raised_by_id"] = INVALID
                else:
                    state["raised_by_id"] = raiser.pk
            else:
                state["raised_by_id"] = INVALID
            named = resolve_code(
                values[COL["联建编码"]],
                alliances,
                errors,
                number,
                "联建编码",
                "联建 {code} 不存在或不在您的范围内",
            )
            if named is not ABSENT:
                state["alliance_id"] = named
            listed = resolve_list(
                codes, orgs, errors, number, "责任组织编码", "组织 {code} 不存在或不在您的范围内"
            )
            alliance_id = state["alliance_id"]
            if isinstance(alliance_id, int):
                if alliance_id not in alliance_orgs and current is not None:
                    # The row keeps the problem's alliance (column absent); load what it needs.
                    lead_id = _lead_of(current)
                    alliance_orgs[alliance_id] = {
                        lead_id,
                        *AllianceMember.objects.filter(
                            alliance_id=alliance_id, left_on__isnull=True
                        ).values_list("org_id", flat=True),
                    }
                    alliance_leads[alliance_id] = lead_id
                members = alliance_orgs[alliance_id]
                if isinstance(state["raised_by_id"], int) and state["raised_by_id"] not in members:
                    errors.add(number, "提出组织编码", f"组织 {raiser_code} 不是所填联建的成员单位")
                for org in listed:
                    if org.pk not in members:
                        errors.add(
                            number, "责任组织编码", f"组织 {org.code} 不是所填联建的成员单位"
                        )
            # A dissolved organisation raises nothing new and becomes no owner (as the services);
            # a stored problem keeps what it had, so that export → import changes nothing.
            if (
                raiser is not None
                and raiser.dissolved is not None
                and (current is None or current.raised_by_id != raiser.pk)
            ):
                errors.add(number, "提出组织编码", rules.dissolved_raiser_problem(raiser.name))
            gone = rules.dissolved_owners_problem(
                [o.name for o in listed if o.dissolved is not None]
            )
            if gone and (
                current is None or [o.code for o in listed] != owner_codes.get(current.pk, [])
            ):
                errors.add(number, "责任组织编码", gone)
            for column, reason in _state_errors(
                state, codes if codes is not INVALID else INVALID, raiser
            ):
                errors.add(number, column, reason)
            if (
                user is not None
                and alliance_id is not INVALID
                and (isinstance(alliance_id, int) or raiser is not None)
            ):
                scope_checks.append(
                    (
                        number,
                        "联建编码" if isinstance(alliance_id, int) else "提出组织编码",
                        alliance_leads.get(alliance_id)
                        if isinstance(alliance_id, int)
                        else raiser.pk,  # type: ignore[union-attr]
                        None
                        if current is None
                        else (_lead_of(current) if current.alliance_id else current.raised_by_id),
                        current is not None,
                    )
                )
            plan.append((code, current, state, listed))
        self._check_scope(scope_checks, user, errors)

        return conclude(
            result,
            errors,
            (
                (current is None, _changed(current, state, listed, owner_codes))
                for _, current, state, listed in plan
            ),
            dry_run=dry_run,
            write=lambda: self._write(
                plan, owner_codes, actor=actor, file_name=file_name, result=result
            ),
        )

    @staticmethod
    def _check_scope(
        checks: list[tuple[int, str, Any, Any, bool]], user: Any, errors: ErrorList
    ) -> None:
        """A manager imports the problems of the alliances whose lead they manage and, without
        an alliance, those raised in their subtree — new rows and the stored problems they
        update: every organisation this names is asked at once (core.excel ``refused_keys``)."""
        if not checks:
            return
        targets = {
            org_id for _, _, new, old, _ in checks for org_id in (new, old) if org_id is not None
        }
        refused = refused_keys(Organisation.objects.all(), user, "change", targets)
        for number, column, new, old, stored in checks:
            if new is None or new in refused:
                errors.add(
                    number,
                    column,
                    "无权导入：须为本人管理的联建的问题，或本组织及下级组织提出的问题",
                )
            elif stored and (old is None or old in refused):
                errors.add(number, "问题编号", "无权修改该问题")

    def _write(
        self,
        plan: list[tuple[str, Problem | None, dict[str, Any], list[Organisation]]],
        owner_codes: dict[int, list[str]],
        *,
        actor: Any,
        file_name: str,
        result: ImportResult,
    ) -> None:
        now = timezone.now()
        note = f"Excel 导入：{file_name}"
        is_user = actor is not None and getattr(actor, "is_authenticated", False)
        actor_name = actor.display_name if is_user else "系统"
        audits: list[dict[str, Any]] = []
        events: list[ProblemEvent] = []
        owners: list[ProblemOwner] = []
        with transaction.atomic():
            creates: list[tuple[Problem, list[Organisation]]] = []
            for code, current, state, listed in plan:
                if current is None:
                    p = Problem(code=code, **state)
                    if p.state == rules.CLOSED:
                        p.closed_on = p.solved_on
                    creates.append((p, listed))
                    continue
                if not _changed(current, state, listed, owner_codes):
                    continue
                before = snapshot(current)
                before["owners"] = owner_codes.get(current.pk, [])
                old_state = current.state
                for name, value in state.items():
                    setattr(current, name, value)
                if current.state == rules.CLOSED and current.closed_on is None:
                    current.closed_on = current.solved_on
                elif current.state != rules.CLOSED:
                    current.closed_on = None
                current.save()
                after = snapshot(current)
                after["owners"] = [o.code for o in listed]
                b, a = diff(before, after)
                audits.append(
                    audit_row(
                        actor=actor,
                        action=AuditLog.Action.UPDATE,
                        obj=current,
                        before=b,
                        after=a,
                        note=note,
                    )
                )
                if after["owners"] != before["owners"]:
                    ProblemOwner.objects.filter(problem=current).delete()
                    owners += [
                        ProblemOwner(problem=current, org=o, position=i)
                        for i, o in enumerate(listed)
                    ]
                changed = "、".join(field_label(k) for k in a)
                events.append(
                    ProblemEvent(
                        problem=current,
                        at=now,
                        kind=ProblemEvent.Kind.IMPORTED,
                        actor=actor if is_user else None,
                        actor_name=actor_name,
                        from_state=old_state if old_state != current.state else "",
                        to_state=current.state if old_state != current.state else "",
                        text=f"{note}；修改了{changed}"[:1000],
                    )
                )
            Problem.objects.bulk_create([p for p, _ in creates], batch_size=1000)
            ids = ids_by_code(Problem, [p.code for p, _ in creates])
            for p, listed in creates:
                p.pk = ids[p.code]
                owners += [
                    ProblemOwner(problem_id=p.pk, org=o, position=i) for i, o in enumerate(listed)
                ]
                after = snapshot(p)
                after["owners"] = [o.code for o in listed]
                audits.append(
                    audit_row(
                        actor=actor, action=AuditLog.Action.CREATE, obj=p, after=after, note=note
                    )
                )
                events.append(
                    ProblemEvent(
                        problem_id=p.pk,
                        at=now,
                        kind=ProblemEvent.Kind.IMPORTED,
                        actor=actor if is_user else None,
                        actor_name=actor_name,
                        to_state=p.state,
                        text=note,
                    )
                )
            ProblemOwner.objects.bulk_create(owners, batch_size=2000)
            ProblemEvent.objects.bulk_create(events, batch_size=2000)
            audits.append(
                audit_row(**self.import_audit(actor=actor, result=result, file_name=file_name))
            )
            insert_audit(audits, now)

    def export_rows(self, *, user: Any, org_code: str | None) -> Iterator[Sequence[Any]]:
        qs = Problem.objects.all() if user is None else Problem.objects.visible_to(user)
        if org_code:
            root = export_root(user, org_code)
            qs = qs.filter(org_problems_q(root))
        return export_rows(qs)


register(ProblemExcel())
