"""双维度考核: schemes as data, the values they score, and versioned results.

A :class:`Scheme` (考核方案) is what the 党建工作部 edits every year: dimensions (维度) with a
maximum, indicators (指标) each with one rule and one source, star bands and a pass line
(``shared/docs/assessment.md``). Values come from three places — computed from platform
records at run time, business KPIs (:class:`KpiValue`, imported from Excel or the API with
who and when, :class:`KpiBatch`), and evaluators' scores (:class:`ManualScore`, one per
evaluator, organisation, indicator and period). Running a scheme for a period stores an
:class:`AssessmentRun` (a version) holding a snapshot of the scheme and, per organisation,
an :class:`AssessmentResult` with every input value and the evidence behind it, so a
published ranking never changes silently: a new run is a new version.

Scope: schemes are visible to users of the owner's subtree and of its ancestors' managers;
results, KPIs and scores follow the organisation they are about (``Organisation.visible_to``).

The models live by concern in this package — ``schemes``, ``values``, ``runs`` and
``objections`` — and are imported from here (Django finds them through this module).
"""

from lianjian.assessment.models.objections import (
    Objection,
    ObjectionQuerySet,
)
from lianjian.assessment.models.runs import (
    AssessmentResult,
    AssessmentResultQuerySet,
    AssessmentRun,
    AssessmentRunQuerySet,
    RunJob,
    StaleCheck,
)
from lianjian.assessment.models.schemes import (
    DEFAULT_PASS_LINE,
    DEFAULT_STARS,
    Dimension,
    Direction,
    Indicator,
    PeriodKind,
    Rule,
    Scheme,
    SchemeQuerySet,
    Source,
)
from lianjian.assessment.models.values import (
    KpiBatch,
    KpiValue,
    KpiValueQuerySet,
    ManualScore,
    ManualScoreQuerySet,
)

__all__ = [
    "AssessmentResult",
    "AssessmentResultQuerySet",
    "AssessmentRun",
    "AssessmentRunQuerySet",
    "RunJob",
    "StaleCheck",
    "DEFAULT_PASS_LINE",
    "DEFAULT_STARS",
    "Dimension",
    "Direction",
    "Indicator",
    "KpiBatch",
    "KpiValue",
    "KpiValueQuerySet",
    "ManualScore",
    "ManualScoreQuerySet",
    "Objection",
    "ObjectionQuerySet",
    "PeriodKind",
    "Rule",
    "Scheme",
    "SchemeQuerySet",
    "Source",
]
