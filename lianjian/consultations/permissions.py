"""Who may do what with a problem or a meeting, beyond the querysets' visible scope.

All checks are path comparisons on objects already loaded (the problem with its alliance's
lead, its raising organisation and its owners), so a screen asks them for every action
without a query each. ``manages`` is ``Organisation.objects.manageable_by`` for one row:
admin everything, a manager their organisation's subtree, a member nothing.

- raise: a manager of the raising organisation (which must be in the alliance);
- assign (分派, also re-assign): the alliance's managers (those who manage its lead); for a
  problem without an alliance, the managers above the raising organisation;
- progress and solve: the managers of any owner organisation;
- confirm (销号) and reopen (重新办理): the managers of the raising organisation;
- edit (while 待研究): the raising organisation's managers or the assigners.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lianjian.consultations import rules
from lianjian.consultations.models import JointMeeting, Problem
from lianjian.orgs.models import Organisation


def _active_manager(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in ("admin", "manager"))


def manages(user: Any, org: Organisation | None) -> bool:
    """Whether ``user`` manages ``org`` (it is in the subtree of their organisation)."""
    if org is None or not _active_manager(user):
        return False
    if user.role == "admin":
        return True
    return user.org_id is not None and org.path.startswith(user.org.path)


def manages_any(user: Any, orgs: Iterable[Organisation]) -> bool:
    return any(manages(user, o) for o in orgs)


def _above(user: Any, org: Organisation) -> bool:
    """A manager strictly above ``org`` (admin counts as above everything)."""
    if not _active_manager(user):
        return False
    if user.role == "admin":
        return True
    return user.org_id is not None and user.org_id != org.pk and org.path.startswith(user.org.path)


def owners_of(problem: Problem) -> list[Organisation]:
    """The owner organisations, from the prefetch cache when the caller loaded it."""
    return [link.org for link in problem.owner_links.all()]


def can_raise(user: Any, org: Organisation) -> bool:
    return manages(user, org)


def can_assign(user: Any, problem: Problem) -> bool:
    if problem.alliance_id is not None:
        return manages(user, problem.alliance.lead)
    return _above(user, problem.raised_by)


def can_work(user: Any, problem: Problem) -> bool:
    """Report progress and mark solved: the managers of an owner organisation."""
    return manages_any(user, owners_of(problem))


def can_confirm(user: Any, problem: Problem) -> bool:
    """Confirm (销号) or send back (重新办理): the raising organisation's managers."""
    return manages(user, problem.raised_by)


def can_edit(user: Any, problem: Problem) -> bool:
    return can_confirm(user, problem) or can_assign(user, problem)


CHECKS = {"assign": can_assign, "progress": can_work, "solve": can_work, "confirm": can_confirm,
          "reopen": can_confirm, "edit": can_edit}


def may(user: Any, action: str, problem: Problem) -> bool:
    """Whether ``user`` holds the role that ``action`` needs (whatever the state)."""
    return CHECKS[action](user, problem)


def actions_for(user: Any, problem: Problem) -> list[str]:
    """The actions ``user`` may take on ``problem`` now: role and state both allow them."""
    return [a for a in rules.ACTIONS if rules.allowed(a, problem.state) and may(user, a, problem)]


def can_manage_meeting(user: Any, meeting: JointMeeting) -> bool:
    """Edit a meeting, mark it held: the alliance's managers or the convener's."""
    return manages(user, meeting.alliance.lead) or manages(user, meeting.convener)
