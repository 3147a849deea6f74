"""Writes of 双维度考核: schemes, KPI values, evaluator scores, runs and publishing.

Every function is atomic and audited (``core.audit``) and refuses bad input with a Django
``ValidationError`` in Chinese, changing nothing. ``actor`` is the acting user (None = the
system: the command line, the demo). Scope is the caller's job — views and the API look
objects up through ``visible_to``/``manageable_by`` first — except where a docstring says
otherwise: :func:`scheme_import` (the file decides what it touches) and
:func:`manual_score_set` (only the indicator's evaluators score).

Editing a scheme is always allowed, also after runs: a run keeps its own snapshot of the
scheme (``scheme_snapshot``) and the inputs it scored, so a published ranking never changes
silently; running again makes a new version.

The writes live by concern in this package — ``schemes`` (schemes, dimensions, indicators),
``files`` (scheme files), ``kpis`` (KPI values), ``scores`` (evaluator scores) and ``runs``
(runs and publishing), ``stale_checks`` (the results screen's "inputs changed" check, a
background task) — and are imported from here.
"""

from lianjian.assessment.entry import scheme_orgs, scheme_periods
from lianjian.assessment.services.files import scheme_import
from lianjian.assessment.services.kpis import (
    COUNT_RULES,
    KPI_CODE_MAX,
    KPI_VALUE_LIMIT,
    KpiRow,
    KpiWrite,
    kpi_codes,
    kpi_period_problem,
    kpi_row_problems,
    kpi_set,
    kpi_set_many,
    kpi_value_problem,
    kpi_write,
)
from lianjian.assessment.services.runs import (
    RESULT_COLUMNS,
    assessment_run,
    assessment_run_task,
    run_job_create,
    run_publish,
    run_republish,
    run_republish_job_create,
)
from lianjian.assessment.services.schemes import (
    DIMENSION_FIELDS,
    INDICATOR_FIELDS,
    SCHEME_FIELDS,
    dimension_delete,
    dimension_save,
    indicator_delete,
    indicator_save,
    scheme_create,
    scheme_delete,
    scheme_update,
)
from lianjian.assessment.services.scores import manual_score_set
from lianjian.assessment.services.stale_checks import (
    STALE_CHECK_EVERY,
    StaleState,
    stale_check_for,
    stale_check_task,
    stale_state,
)

__all__ = [
    "STALE_CHECK_EVERY",
    "StaleState",
    "stale_check_for",
    "stale_check_task",
    "stale_state",
    "assessment_run_task",
    "run_job_create",
    "COUNT_RULES",
    "DIMENSION_FIELDS",
    "INDICATOR_FIELDS",
    "KPI_CODE_MAX",
    "KPI_VALUE_LIMIT",
    "RESULT_COLUMNS",
    "SCHEME_FIELDS",
    "KpiRow",
    "KpiWrite",
    "assessment_run",
    "dimension_delete",
    "dimension_save",
    "indicator_delete",
    "indicator_save",
    "kpi_codes",
    "kpi_period_problem",
    "kpi_row_problems",
    "kpi_set",
    "kpi_set_many",
    "kpi_value_problem",
    "kpi_write",
    "manual_score_set",
    "run_publish",
    "run_republish",
    "run_republish_job_create",
    "scheme_create",
    "scheme_delete",
    "scheme_import",
    "scheme_orgs",
    "scheme_periods",
    "scheme_update",
]
