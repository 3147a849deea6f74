"""党建+关键任务: key-task lists, their tasks (a tree), milestones, progress reports, evidence
and the monthly 重点任务包 (fusion.md §1).

The rules of the fields live once in :mod:`lianjian.keytasks.rules` (pure); progress is
computed by :mod:`lianjian.keytasks.progress`; writes go through
:mod:`lianjian.keytasks.services` (audited). Nothing is hard-deleted: a task is 撤销 with a
reason, a report 已退回 with a reason.

Scope (``SCOPE``, :mod:`lianjian.core.scope`):

- a **list** is seen by whoever sees its organisation or the owner organisation of one of its
  tasks; managed (edited, 下达, closed) by the managers of its organisation;
- a **task** is seen with its list's organisation, its owner organisation, or by its owner,
  sponsor and participants; ``change`` (edit, 下达, 退回, 暂缓, 撤销, 归档) is the issuing
  organisation's (the list's); ``work`` (认领, 推进, 申请验收) the owner organisation's
  managers'; ``report`` (progress) the owner member's or the owner organisation's managers';
  ``confirm`` (confirm or return a report, accept milestones and the task) the issuing
  organisation's managers — never the assessed side: a manager whose own organisation is
  the owner organisation does not confirm (the admin always may).
"""

from lianjian.keytasks.models.lists import (
    CONFIRM,
    KeyTaskList,
    KeyTaskListQuerySet,
    KpiDirection,
    ListState,
    ListVersion,
    ProgressMode,
    ReportState,
    TaskCategory,
    TaskState,
)
from lianjian.keytasks.models.packages import (
    PackageClaim,
    PackageItem,
    TaskPackage,
    TaskPackageQuerySet,
)
from lianjian.keytasks.models.reports import Evidence, EvidenceKind, ProgressReport
from lianjian.keytasks.models.tasks import KeyTask, KeyTaskQuerySet, Milestone, task_errors

__all__ = [
    "CONFIRM",
    "Evidence",
    "EvidenceKind",
    "KeyTask",
    "KeyTaskList",
    "KeyTaskListQuerySet",
    "KeyTaskQuerySet",
    "KpiDirection",
    "ListState",
    "ListVersion",
    "Milestone",
    "PackageClaim",
    "PackageItem",
    "ProgressMode",
    "ProgressReport",
    "ReportState",
    "TaskCategory",
    "TaskPackage",
    "TaskPackageQuerySet",
    "TaskState",
    "task_errors",
]
