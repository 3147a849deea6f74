"""The 待办 and 消息 of 民主评议党员 (``lianjian.notifications``).

* 开始测评: every participant with an account gets a 待办 "填写自评并评价" that closes by
  itself when they have written their self-assessment and rated every other 正式党员, or when
  rating ends (结束测评, 作废) — never by hand;
* 发布结果: every participant with an account gets a 消息 to read their result.
"""

from __future__ import annotations

from django.db.models import Q

from lianjian.accounts.models import User
from lianjian.appraisals.models import Appraisal
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder, close, deliver


def _key(appraisal: Appraisal, what: str) -> str:
    return f"appraisal:{appraisal.code}:{what}"


def _accounts(appraisal: Appraisal) -> tuple[int, ...]:
    return tuple(
        User.objects.filter(is_active=True, member__appraisals__appraisal=appraisal).values_list(
            "pk", flat=True
        )
    )


def rating_opened(appraisal: Appraisal) -> int:
    """Rating started: a 待办 for each participant who has an account."""
    users = _accounts(appraisal)
    if not users:
        return 0
    return deliver(
        [
            Reminder(
                key=_key(appraisal, "respond"),
                user_ids=users,
                title=f"民主评议：请填写个人自评并评价其他党员（{appraisal.title}）",
                body=f"{appraisal.branch.name}，评议日期 {appraisal.held_on:%Y-%m-%d}。",
                link=f"/appraisals/{appraisal.code}/",
                level=Notification.Level.GREEN,
                kind=Notification.Kind.TASK,
                closed_by_work=True,
            )
        ]
    )


def responded(appraisal: Appraisal, user_id: int) -> int:
    """The member has written and rated everyone: their 待办 is done."""
    return close(Q(key=_key(appraisal, "respond"), user_id=user_id))


def rating_closed(appraisal: Appraisal) -> int:
    """Rating ended (or the appraisal was voided): every open 待办 of it is done."""
    return close(Q(key=_key(appraisal, "respond")))


def published(appraisal: Appraisal) -> int:
    """Results published: a 消息 for each participant who has an account."""
    users = _accounts(appraisal)
    if not users:
        return 0
    return deliver(
        [
            Reminder(
                key=_key(appraisal, "published"),
                user_ids=users,
                title=f"民主评议结果已发布：{appraisal.title}",
                body="请查看本人的评议结果和反馈意见。",
                link=f"/appraisals/{appraisal.code}/",
                level=Notification.Level.GREEN,
                kind=Notification.Kind.MESSAGE,
            )
        ]
    )
