"""Excel import and export of activities (kind ``activities``, docs/contracts.md §3).

Columns: 活动编号*, 组织编码* (several for a joint activity, the host first), 活动类型*,
开始时间*, 主题*, 地点, 应到人数, 实到人数, 联建编码, and the extension columns 活动形式
(the form of a 联建活动, e.g. 党课互讲) and 所属年度 (the year it counts for: blank = the
year of its start; an annual meeting held in January–March may name the previous year). Key: 活动编号. All rows are checked first; any
error refuses the whole file. A column absent from the file leaves that field unchanged.

Scope (``user`` None = the system): the host (first code) must be an organisation the user
manages, and so must the host of an existing activity being updated. Co-organisers must be
visible to the user, or be current members of the alliance named in 联建编码 (joint
activities reach beyond one's own subtree through an alliance). Only what the user may see
is looked at (``core.excel.hidden_keys``): an activity code held by an activity they cannot
see answers ``该编号不可用（已被占用）`` and the row is checked as a new activity; an
organisation they cannot see (nor find in a named alliance or on the activity) reads as
unknown (``组织 X 不存在``). New records are 已通过
when the system or an admin imports them, 已提交 (for review) when a manager does.
Once an activity has an attendance list its counts follow it: different counts are an error.

The kind is split by concern: :mod:`.columns` (the columns, their parsers and which field
each fills) and :mod:`.kind` (:class:`ActivityExcel`: checking, writing, exporting).
"""

from lianjian.activities.excel.columns import CODE_REASON, COLUMNS, parse_codes
from lianjian.activities.excel.kind import ActivityExcel

__all__ = ["CODE_REASON", "COLUMNS", "ActivityExcel", "parse_codes"]
