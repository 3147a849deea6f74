"""The narrow per-organisation rows behind the scope-wide figures (``OrgFigures``: member
counts and copies of the organisation fields the warning rules read), and the one function
that keeps them current: :func:`refresh_for`.

Contract: after any write that changes an organisation's ``path``, ``kind``,
``is_partner``, ``dissolved`` or ``term_end`` (:data:`ORG_FIELDS`), creates an
organisation, or changes which current members an organisation has, or their category,
floating flag or posts, ``refresh_for`` is called with the ids of the organisations
concerned (old and new ones of a member's move; every organisation of a moved subtree),
inside the same transaction.

- ``Organisation.save()``, ``Member.save()`` and ``Member.delete()`` do it themselves
  (receivers below, connected in ``OrgsConfig.ready``), so the services, the admin and
  tests need nothing more — except a subtree move, whose descendants' paths are written
  by one UPDATE (``services.org_update`` calls ``refresh_for`` for them);
- bulk writers that bypass ``save()`` (the organisations and members imports, the demo
  loader) call ``refresh_for`` once at the end with every organisation they touched;
- ``lianjian figures rebuild`` recounts and recopies everything in batches of
  :data:`BATCH` organisations (two queries per batch, memory flat), for a database
  written by other means or restored from a backup; ``check`` lists what differs.

Today's date is not stored: term warnings compare the stored ``term_end`` with today in
the query (``selectors.warning_conditions``), so they are right on any day without a
refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.dispatch import Signal

from lianjian.orgs.models import COMMITTEE_POSTS, Member, MemberCategory, Organisation, OrgFigures

# Sent by refresh_for with ``org_ids`` after storing their rows, inside the writer's
# transaction: the apps above keep what they derive from members and organisations
# (activities' compliance tallies) without being called from here.
refreshed = Signal()

# Organisations per refresh query: keeps the IN list under SQLite's parameter limit.
BATCH = 2000

FIELDS = ("members", "full_members", "probationary", "floating", "committee_members")
# The organisation fields copied into the row (the scope and the warning rules read them).
ORG_FIELDS = ("path", "kind", "is_partner", "dissolved", "term_end")
# Organisation.save(update_fields=…) touching none of these needs no refresh.
_SAVE_FIELDS = frozenset({*ORG_FIELDS, "parent", "parent_id"})


def _committee_q() -> Q:
    q = Q()
    for post in COMMITTEE_POSTS:
        q |= Q(members__post__contains=post)
    return q


def _rows(org_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """For each existing organisation of ``org_ids``: its :data:`FIELDS` counted from its
    current members, then its :data:`ORG_FIELDS`. One query (organisations LEFT JOIN their
    current members, grouped)."""
    current = Q(members__left_on__isnull=True)
    rows = (
        Organisation.objects.filter(pk__in=org_ids)
        .order_by()
        .values("pk", *ORG_FIELDS)
        .annotate(
            n=Count("members", filter=current),
            full=Count("members", filter=current & Q(members__category=MemberCategory.FULL)),
            prob=Count(
                "members", filter=current & Q(members__category=MemberCategory.PROBATIONARY)
            ),
            floating=Count("members", filter=current & Q(members__is_floating=True)),
            committee=Count("members", filter=current & _committee_q()),
        )
    )
    return {
        r["pk"]: (
            r["n"],
            r["full"],
            r["prob"],
            r["floating"],
            r["committee"],
            *(r[f] for f in ORG_FIELDS),
        )
        for r in rows
    }


def refresh_for(org_ids: Iterable[int | None]) -> None:
    """Recount the current members of the organisations ``org_ids`` (``None`` ignored),
    recopy their :data:`ORG_FIELDS`, and store the rows: two queries per :data:`BATCH`
    organisations (a grouped read, an upsert), then :data:`refreshed` with the ids. Ids of
    organisations that do not exist are skipped."""
    ids = sorted({i for i in org_ids if i is not None})
    names = (*FIELDS, *ORG_FIELDS)
    for start in range(0, len(ids), BATCH):
        found = _rows(ids[start : start + BATCH])
        if not found:
            continue
        OrgFigures.objects.bulk_create(
            [
                OrgFigures(org_id=pk, **dict(zip(names, row, strict=True)))
                for pk, row in found.items()
            ],
            update_conflicts=True,
            unique_fields=["org"],
            update_fields=list(names),
        )
    if ids:
        refreshed.send(sender=OrgFigures, org_ids=ids)


def rebuild() -> int:
    """Recount and recopy every organisation (``lianjian figures rebuild``); the number of
    organisations. Two queries per :data:`BATCH` organisations; nothing is held beyond one
    batch."""
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        refresh_for(ids[start : start + BATCH])
    return len(ids)


def stale() -> list[int]:
    """The ids of organisations whose stored row differs from a recount and a copy of the
    organisation, or is missing (``lianjian figures check``): empty when all are current."""
    out: list[int] = []
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    names = (*FIELDS, *ORG_FIELDS)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        expected = _rows(chunk)
        stored = {
            row[0]: tuple(row[1:])
            for row in OrgFigures.objects.filter(org_id__in=chunk).values_list("org_id", *names)
        }
        out += [pk for pk in chunk if expected.get(pk) != stored.get(pk)]
    return out


# --- Organisation.save(), Member.save()/delete() keep the rows --------------------------------


def org_saved(
    sender: Any, instance: Organisation, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """post_save of an organisation: recopy its fields (and count its members; one
    organisation, two queries) — unless the save wrote none of the copied fields."""
    if raw:  # loaddata: ``lianjian figures rebuild`` recopies after a fixture
        return
    if update_fields is not None and not _SAVE_FIELDS.intersection(update_fields):
        return
    refresh_for({instance.pk})


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
