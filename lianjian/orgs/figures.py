"""The per-organisation member counts behind the scope-wide figures (``OrgFigures``), and
the one function that keeps them current: :func:`refresh_for`.

Contract: after any write that changes which current members an organisation has, or their
category, floating flag or posts, ``refresh_for`` is called with the ids of the
organisations concerned (old and new ones of a move), inside the same transaction.

- ``Member.save()`` and ``delete()`` do it themselves (receivers below, connected in
  ``OrgsConfig.ready``), so the services, the admin and tests need nothing more;
- bulk writers that bypass ``save()`` (the members import, the demo loader) call
  ``refresh_for`` once at the end with every organisation they touched;
- ``lianjian figures rebuild`` recounts everything in batches of :data:`BATCH`
  organisations (a bounded number of queries per batch, memory flat), for a database
  written by other means or restored from a backup.

Organisation attributes (kind, partner, dissolved, term) are not copied here: the figures
join the organisation row, so a move, a dissolution or a new term is seen at once, and
time-dependent warnings are computed as of today in the query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q

from lianjian.orgs.models import COMMITTEE_POSTS, Member, MemberCategory, Organisation, OrgFigures

# Organisations per refresh query: keeps the IN list under SQLite's parameter limit.
BATCH = 2000

FIELDS = ("members", "full_members", "probationary", "floating", "committee_members")


def _committee_q() -> Q:
    q = Q()
    for post in COMMITTEE_POSTS:
        q |= Q(post__contains=post)
    return q


def _counts(org_ids: list[int]) -> dict[int, tuple[int, ...]]:
    rows = (
        Member.objects.current()
        .filter(org_id__in=org_ids)
        .order_by()
        .values("org_id")
        .annotate(
            n=Count("id"),
            full=Count("id", filter=Q(category=MemberCategory.FULL)),
            prob=Count("id", filter=Q(category=MemberCategory.PROBATIONARY)),
            floating=Count("id", filter=Q(is_floating=True)),
            committee=Count("id", filter=_committee_q()),
        )
    )
    return {
        r["org_id"]: (r["n"], r["full"], r["prob"], r["floating"], r["committee"]) for r in rows
    }


def refresh_for(org_ids: Iterable[int | None]) -> None:
    """Recount the current members of the organisations ``org_ids`` (``None`` ignored) and
    store the counts: two queries per :data:`BATCH` organisations (a grouped count, an
    upsert). The ids are of existing organisations (a member's, or read from the table)."""
    ids = sorted({i for i in org_ids if i is not None})
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        counts = _counts(chunk)
        zero = (0,) * len(FIELDS)
        rows = [
            OrgFigures(org_id=pk, **dict(zip(FIELDS, counts.get(pk, zero), strict=True)))
            for pk in chunk
        ]
        OrgFigures.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["org"], update_fields=list(FIELDS)
        )


def rebuild() -> int:
    """Recount every organisation (``lianjian figures rebuild``); the number of organisations.
    Two queries per :data:`BATCH` organisations; nothing is held beyond one batch."""
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        refresh_for(ids[start : start + BATCH])
    return len(ids)


def stale() -> list[int]:
    """The ids of organisations whose stored counts differ from a recount (``lianjian figures
    check``): empty when the figures are current."""
    out: list[int] = []
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        counts = _counts(chunk)
        stored = {
            row[0]: tuple(row[1:])
            for row in OrgFigures.objects.filter(org_id__in=chunk).values_list("org_id", *FIELDS)
        }
        zero = (0,) * len(FIELDS)
        out += [pk for pk in chunk if counts.get(pk, zero) != stored.get(pk, zero)]
    return out


# --- Member.save()/delete() keep their organisations' counts ---------------------------------


def remember_org(sender: Any, instance: Member, update_fields: Any = None, **kwargs: Any) -> None:
    """pre_save: the organisation a stored member belongs to before this save (one query,
    and only when the save may move them), so that a move recounts the one they left."""
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "org" not in update_fields and "org_id" not in update_fields:
        return
    instance._figures_org_id = (  # type: ignore[attr-defined]
        Member.objects.filter(pk=instance.pk).values_list("org_id", flat=True).first()
    )


def member_saved(sender: Any, instance: Member, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata: ``lianjian figures rebuild`` recounts after a fixture
        return
    refresh_for({instance.org_id, instance.__dict__.pop("_figures_org_id", None)})


def member_deleted(sender: Any, instance: Member, **kwargs: Any) -> None:
    refresh_for({instance.org_id})
