"""Excel import and export of key tasks (contracts §3): kinds ``tasks``, ``milestones`` and
``task_progress``, built on the kind template (:mod:`lianjian.core.excel.template`). All rows
are checked first; any error refuses the whole file, every bad row listed
(``第N行 列名：原因``); rows with an existing key update it, so a re-import changes nothing.
The rules are the model's (:func:`lianjian.keytasks.models.task_errors`,
:mod:`lianjian.keytasks.rules`); scope is one aggregate question per kind of right
(:func:`lianjian.core.excel.refused_keys`) about every record the file touches.

The package is split by concern: :mod:`.columns` (the columns and which field each fills),
:mod:`.common` (the lookups and writes the kinds share), :mod:`.tasks` with
:mod:`.task_rows` (its checks), :mod:`.milestones`, :mod:`.progress`, and :mod:`.export`.
"""

from lianjian.core.excel import ExcelFileError, register
from lianjian.keytasks.excel.milestones import MilestoneExcel
from lianjian.keytasks.excel.progress import ProgressExcel
from lianjian.keytasks.excel.tasks import TaskExcel

register(TaskExcel())
register(MilestoneExcel())
register(ProgressExcel())

__all__ = ["ExcelFileError", "MilestoneExcel", "ProgressExcel", "TaskExcel"]
