"""Writes to the problem list and joint meetings. Every function is atomic and audited.

One module per concern: :mod:`.problems` (the problem list and its timeline),
:mod:`.meetings` (joint meetings), :mod:`.common` (what both use); this package names them
all, so callers write ``services.problem_assign``.
"""

from lianjian.consultations.services.common import alliance_org_ids, today
from lianjian.consultations.services.meetings import (
    MEETING_FIELDS,
    Agenda,
    Attendee,
    meeting_code_new,
    meeting_create,
    meeting_mark_held,
    meeting_update,
)
from lianjian.consultations.services.problems import (
    EDITABLE,
    MAX_OWNERS,
    problem_assign,
    problem_code_new,
    problem_confirm,
    problem_progress,
    problem_raise,
    problem_reopen,
    problem_solve,
    problem_update,
)

__all__ = [
    "EDITABLE",
    "MAX_OWNERS",
    "MEETING_FIELDS",
    "Agenda",
    "Attendee",
    "alliance_org_ids",
    "meeting_code_new",
    "meeting_create",
    "meeting_mark_held",
    "meeting_update",
    "problem_assign",
    "problem_code_new",
    "problem_confirm",
    "problem_progress",
    "problem_raise",
    "problem_reopen",
    "problem_solve",
    "problem_update",
    "today",
]
