"""Excel import and export of the problem list (kind ``problems``).

Columns: 问题编号*, 问题标题*, 提出组织编码*, 问题类别*, 紧急程度, 联建编码, 问题描述,
责任组织编码 (several, the leading owner first), 责任人, 办理期限, 状态, 提出日期, 解决日期,
解决情况. Key: 问题编号. All rows are checked first; any error refuses the whole file. A
column absent from the file leaves that field unchanged; an empty 状态 or 提出日期 means
待研究 / the day of the import for a new problem and "unchanged" for an existing one.

State consistency (the same rules the services keep): from 已分派 on a problem has owners
and a deadline, a 待研究 one has neither; 待确认 and 已销号 need a 解决日期 and 解决情况, the
states before them must have neither; dates run 提出日期 ≤ 解决日期 ≤ today and
提出日期 ≤ 办理期限. With a 联建编码, the raising organisation and the owners must take part
in the alliance.

Scope (``user`` None = the system, everything): an admin imports anything; a manager the
problems of alliances they manage (they run those lists) and, without an alliance, the
problems raised in their subtree — for a new row and for the existing problem it updates.
A problem the manager cannot see is not looked at (``core.excel.hidden_keys``): its code
answers ``该编号不可用（已被占用）`` and the row is checked as a new problem.
An import records the state it sets; it does not replay the transitions (the timeline gets
one 导入 entry per problem written).

The kind is split by concern: :mod:`.columns` (the columns and which field each fills),
:mod:`.export` (stored values in column order) and :mod:`.kind` (:class:`ProblemExcel`:
checking and writing).
"""

from lianjian.consultations.excel.columns import COLUMNS
from lianjian.consultations.excel.export import export_rows
from lianjian.consultations.excel.kind import ProblemExcel

__all__ = ["COLUMNS", "ProblemExcel", "export_rows"]
