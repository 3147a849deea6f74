"""Messages of 揭榜挂帅 (the inbox): a published call tells the managers of the organisations
that may bid on it; the award tells each bidder's managers its result. Messages, not to-dos
(bidding is a choice, not a duty); each is sent once (keyed by the call or bid)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from lianjian.accounts.models import User
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder, deliver
from lianjian.projects.models import Bid, Call


def _managers(org_ids: Iterable[int]) -> tuple[int, ...]:
    ids = set(org_ids)
    if not ids:
        return ()
    return tuple(sorted(User.active_managers().filter(org_id__in=ids).values_list("pk", flat=True)))


def call_published(call: Call) -> int:
    """Tell the managers of the listed organisations and of the eligible 联建网s' current
    member organisations that ``call`` is open."""
    orgs = set(call.eligible_orgs.values_list("pk", flat=True))
    orgs |= set(
        call.eligible_alliances.filter(memberships__left_on__isnull=True).values_list(
            "memberships__org_id", flat=True
        )
    )
    orgs.discard(call.issuer_id)
    return deliver(
        [
            Reminder(
                key=f"projects:call:{call.code}:published",
                title=f"新榜单：{call.title}（{call.deadline:%Y-%m-%d} 截止揭榜）",
                body=f"{call.issuer.name}发榜，预算 {call.budget:g} 万元",
                link=reverse("projects:call_detail", args=[call.code]),
                due=call.deadline,
                user_ids=_managers(orgs),
                level=Notification.Level.GREEN,
                kind=Notification.Kind.MESSAGE,
            )
        ]
    )


def bids_reviewed(call: Call, winner: Bid) -> int:
    """Tell each bidder's managers whether its bid won (the project code for the winner)."""
    reminders = []
    for bid in Bid.objects.filter(call=call).exclude(state="已撤回").select_related("bidder_org"):
        won = bid.pk == winner.pk
        reminders.append(
            Reminder(
                key=f"projects:bid:{bid.code}:result",
                title=f"揭榜结果：{call.title} — {'中榜' if won else '未中'}",
                body=(
                    "已立项为关键任务，请按季度报送进度"
                    if won
                    else f"本榜由{winner.bidder_org.name}中榜"
                ),
                link=reverse("projects:bid_detail", args=[bid.code]),
                user_ids=_managers([bid.bidder_org_id]),
                level=Notification.Level.GREEN,
                kind=Notification.Kind.MESSAGE,
            )
        )
    return deliver(reminders)
