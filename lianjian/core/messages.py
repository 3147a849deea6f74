"""Chinese answers that several edges (imports, scheme files, the API, the screens) must
word identically, so that a caller cannot tell two situations apart by the wording."""

from __future__ import annotations

KEY_TAKEN = "该编号不可用（已被占用）"
"""The answer for a globally unique key (组织编码, 人员编号, 联建编码, 活动编号, 问题编号, 资源编号,
方案编码 …) held by a record the caller may not see — the only thing it learns of that record
(docs/security.md §6) — and for a key another write took at the same moment."""
