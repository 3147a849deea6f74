"""Reminder provider for organisational life (三色预警), registered as ``组织生活``.

``lianjian remind`` calls :func:`compliance_reminders` daily; ``notifications.reminders.deliver``
makes it idempotent through the unique (user, key) of a notification. For every internal
organisation and rule, coloured by the preset of the kind ``org_life`` (``lianjian.deadlines``;
组织生活临期 unless the 党建工作部 chose another): a yellow reminder when an open period is
not yet met and has ten days or fewer left, a red one when a period ended unmet within the
last ``RED_WINDOW`` days (older gaps stay on the compliance pages, not in the inbox), once
per colour (``deadlines.notify.colour_reminders``). Recipients are the managers responsible
for the organisation (its own, else the nearest level above).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone

from lianjian.activities.compliance import DEADLINE_KIND
from lianjian.activities.models import Activity, ActivityStatus
from lianjian.activities.selectors import compliance_rows
from lianjian.core.scope import APPROVE, may
from lianjian.deadlines.engine import Colour
from lianjian.deadlines.notify import DeadlineItem, colour_reminders
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder, close, deliver
from lianjian.orgs.models import Organisation
from lianjian.orgs.selectors import responsible_managers

RED_WINDOW = 31


def compliance_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Yellow and red reminders of ``today`` (see the module docstring)."""
    years = {today.year, (today - datetime.timedelta(days=RED_WINDOW)).year}
    rows = []
    for year in sorted(years):
        rows += [
            r
            for r in compliance_rows(year=year, today=today, orgs=Organisation.objects.all())
            if r.level == "yellow" or (r.level == "red" and -r.days_left <= RED_WINDOW)
        ]
    if not rows:
        return
    orgs = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in={r.org_id for r in rows}).only(
            "id", "code", "name", "path"
        )
    }
    managers = responsible_managers(list(orgs.values()))
    items = []
    for r in rows:
        org = orgs[r.org_id]
        last = today + datetime.timedelta(days=r.days_left)
        if r.days_left < 0:
            title = f"{org.name}{r.period}未按规定开展{r.rule}"
            body = f"应开展 {r.required} 次，已开展 {r.held} 次，期间已于 {last:%Y-%m-%d} 结束。"
        else:
            title = f"{org.name}{r.period}尚未开展{r.rule}"
            body = f"距期间结束（{last:%Y-%m-%d}）还有 {r.days_left} 天，应开展 {r.required} 次，已开展 {r.held} 次。"
        items.append(
            DeadlineItem(
                kind=DEADLINE_KIND,
                key=f"compliance:{org.code}:{r.rule}:{r.period}",
                title=title,
                body=body,
                link=f"/activities/compliance/o/{org.code}/?year={last.year}",
                colour=Colour(r.level),
                due=last,
                owner_ids=tuple(managers.get(r.org_id, ())),
            )
        )
    yield from colour_reminders(items, today)


# --- review: the record reaches whoever acts next -------------------------------------------
#
# Submitting a record puts a 待办 into the inbox of its reviewers (``activity:CODE:review:N``);
# approving or returning it closes them. Returning it puts a 待办 into the inbox of the host's
# managers (``activity:CODE:fix:N``), closed when the record is submitted again. ``N`` counts
# the submissions (returns), so a record submitted twice reaches its reviewers twice.


def reviewers(activity: Activity) -> tuple[int, ...]:
    """The managers who may approve ``activity`` (``core.scope``: ``APPROVE``), of the nearest
    level above its host that has any: one query, the rule tested per candidate in Python."""
    from lianjian.accounts.models import User

    chain = [c for c in activity.host.path.strip("/").split("/") if c][:-1]
    if not chain:
        return ()
    by_code: dict[str, list[int]] = {}
    for user in User.active_managers().filter(org__code__in=chain).select_related("org"):
        if user.org is not None and may(user, APPROVE, activity):
            by_code.setdefault(user.org.code, []).append(user.pk)
    for code in reversed(chain):
        if code in by_code:
            return tuple(sorted(by_code[code]))
    return ()


def _close(prefix: str) -> int:
    return close(Q(key__startswith=prefix))


def _round(activity: Activity, kind: str) -> int:
    return (
        Notification.objects.filter(key__startswith=f"activity:{activity.code}:{kind}:")
        .values("key")
        .distinct()
        .count()
        + 1
    )


def review_reminder(
    activity: Activity, user_ids: tuple[int, ...], *, round_: int | None = None
) -> Reminder:
    """The reviewers' 待办 of a submitted record (``activity`` with its host loaded);
    ``round_`` the how-manieth submission (looked up when not given)."""
    n = round_ if round_ is not None else _round(activity, "review")
    return Reminder(
        key=f"activity:{activity.code}:review:{n}",
        user_ids=user_ids,
        title=f"待审核：{activity.host.name}“{activity.topic}”",
        body=f"{activity.code}，{activity.type}，{timezone.localtime(activity.start):%Y-%m-%d %H:%M}，已提交，请审核通过或退回。",
        link=f"/activities/a/{activity.code}/",
        level=Notification.Level.GREEN,
        kind=Notification.Kind.TASK,
        closed_by_work=True,
    )


def fix_reminder(activity: Activity, user_ids: tuple[int, ...]) -> Reminder:
    """The host's managers' 待办 of a returned record."""
    return Reminder(
        key=f"activity:{activity.code}:fix:{_round(activity, 'fix')}",
        user_ids=user_ids,
        title=f"活动记录被退回：“{activity.topic}”",
        body=f"{activity.code}，退回原因：{activity.return_reason}。请修改后重新提交。",
        link=f"/activities/a/{activity.code}/",
        level=Notification.Level.YELLOW,
        kind=Notification.Kind.TASK,
        closed_by_work=True,
    )


def submitted(activity: Activity) -> int:
    """The record was submitted: its reviewers get a 待办, the host's 待办 to fix it is done."""
    _close(f"activity:{activity.code}:fix:")
    users = reviewers(activity)
    return deliver([review_reminder(activity, users)]) if users else 0


def reviewed(activity: Activity) -> int:
    """The record was approved or returned: its reviewers' 待办 are done; a returned record
    becomes a 待办 of the host's managers."""
    _close(f"activity:{activity.code}:review:")
    if activity.status != ActivityStatus.RETURNED:
        return 0
    users = responsible_managers([activity.host])[activity.host_id]
    return deliver([fix_reminder(activity, users)]) if users else 0


def review_backlog(activities: list[Activity]) -> list[Reminder]:
    """The 待办 of new records written in bulk already submitted or returned (the demo, an
    Excel import) rather than through the services; ``activities`` with their hosts. The
    reviewers are looked up once per host."""
    fix = [a for a in activities if a.status == ActivityStatus.RETURNED]
    hosts = responsible_managers([a.host for a in fix]) if fix else {}
    out = [fix_reminder(a, hosts[a.host_id]) for a in fix if hosts.get(a.host_id)]
    by_host: dict[int, tuple[int, ...]] = {}
    for a in activities:
        if a.status != ActivityStatus.SUBMITTED:
            continue
        if a.host_id not in by_host:
            by_host[a.host_id] = reviewers(a)
        if by_host[a.host_id]:
            out.append(review_reminder(a, by_host[a.host_id], round_=1))
    return out
