"""Reads that shape assessment data for the screens and the Word report.

Every function takes the user and reads through the ``visible_to`` querysets, so a branch
sees its own row of a ranking (with the scheme-wide rank) and a manager their subtree.
Each issues a fixed number of queries whatever the number of organisations (pinned in
``tests/test_assessment_selectors.py``). Results are read from the stored run — its scheme
snapshot names the dimensions and indicators as they were when the run was made — so a
page shows exactly what was computed, never a recomputation.

The reads live by concern in this package — ``results`` (a run's snapshot, ranking and
company picture), ``changes`` (what changed in a scheme), ``breakdown`` (trend and one
organisation's breakdown) and ``lists`` (the list screens and API lists) — and are imported
from here.
"""

from lianjian.assessment.selectors.breakdown import (
    Line,
    breakdown,
    counting_runs,
    trend,
    value_text,
)
from lianjian.assessment.selectors.changes import (
    scheme_changes,
)
from lianjian.assessment.selectors.lists import (
    BATCH_AUDIT_WINDOW,
    KPI_LIST_KEY,
    OBJECTION_STATUSES,
    REPLACED_LIMIT,
    ReviewPeriod,
    ReviewTask,
    batch_replaced,
    by_period,
    kpi_values,
    my_score_counts,
    my_scores,
    objection_counts,
    objections,
    review_indicators,
    review_list,
    review_progress,
    run_list,
    runs_by_period,
    scheme_list,
    visible_batch,
)
from lianjian.assessment.selectors.results import (
    LEADERS,
    RANKING_DIMENSION_KEY,
    RESULT_LIST_KEY,
    STAR_FILTERS,
    Row,
    correlation_words,
    dimensions_of,
    distribution,
    indicators_of,
    leaders_and_laggards,
    live_run,
    pearson,
    period_label,
    pick_axes,
    ranking,
    ranking_key,
    result_list,
    result_rows,
    scatter,
    star_text,
)

__all__ = [
    "ReviewPeriod",
    "ReviewTask",
    "by_period",
    "review_list",
    "review_progress",
    "run_list",
    "BATCH_AUDIT_WINDOW",
    "KPI_LIST_KEY",
    "RANKING_DIMENSION_KEY",
    "RESULT_LIST_KEY",
    "LEADERS",
    "live_run",
    "Line",
    "OBJECTION_STATUSES",
    "REPLACED_LIMIT",
    "Row",
    "STAR_FILTERS",
    "batch_replaced",
    "breakdown",
    "correlation_words",
    "counting_runs",
    "dimensions_of",
    "distribution",
    "indicators_of",
    "kpi_values",
    "leaders_and_laggards",
    "my_score_counts",
    "my_scores",
    "objection_counts",
    "objections",
    "pearson",
    "period_label",
    "pick_axes",
    "ranking",
    "ranking_key",
    "result_list",
    "result_rows",
    "review_indicators",
    "runs_by_period",
    "scatter",
    "scheme_changes",
    "scheme_list",
    "star_text",
    "trend",
    "value_text",
    "visible_batch",
]
