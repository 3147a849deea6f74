"""Writes to key-task lists, tasks, milestones, progress reports, evidence and task packages.

Every function is atomic and audited (:func:`lianjian.core.audit.audit_record`: who, when,
before, after). A user ``actor`` is checked against the model's ``SCOPE``
(:func:`lianjian.core.scope.require`, 403 with a Chinese message); callers found the row
through ``visible_to`` first, so a row out of scope has already answered 404. ``actor=None``
is the system (demo data, jobs). A refusal raises ``ValidationError`` (field → Chinese
message) before anything is written.

The system-of-record rule: whoever is assessed never confirms their own values — the owner
side reports progress and marks milestones done, the issuing organisation confirms reports
and accepts milestones and tasks (``confirm`` in :class:`~lianjian.keytasks.models.KeyTask`),
and nobody confirms a report they submitted themselves.
"""

from lianjian.keytasks.services.common import APPROVAL_TYPES, TASK_FIELDS
from lianjian.keytasks.services.lists import (
    category_save,
    list_create,
    list_transition,
    list_update,
)
from lianjian.keytasks.services.packages import (
    evidence_add,
    evidence_withdraw,
    package_claim_withdraw,
    package_create,
    package_item_add,
    package_item_claim,
    package_publish,
)
from lianjian.keytasks.services.progress import (
    milestone_accept,
    milestone_done,
    milestone_save,
    report_confirm,
    report_return,
    report_submit,
)
from lianjian.keytasks.services.tasks import task_create, task_transition, task_update

__all__ = [
    "APPROVAL_TYPES",
    "TASK_FIELDS",
    "category_save",
    "evidence_add",
    "evidence_withdraw",
    "list_create",
    "list_transition",
    "list_update",
    "milestone_accept",
    "milestone_done",
    "milestone_save",
    "package_claim_withdraw",
    "package_create",
    "package_item_add",
    "package_item_claim",
    "package_publish",
    "report_confirm",
    "report_return",
    "report_submit",
    "task_create",
    "task_transition",
    "task_update",
]
