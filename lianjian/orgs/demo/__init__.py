"""The deterministic demo company: 国网本溪供电公司 and its 41 党支部 (seed paper 004).

The data is built from fixed tables and ``random.Random(2026)``, never from the clock, so
every load produces the same rows. :func:`demo_load` creates what is missing by key
(组织编码, 人员编号, 用户名) and leaves existing rows untouched: a second run changes
nothing. The branches fall into the seven "党建+X" networks led by the 两县五区 county and
district companies; strengths and needs come from one shared vocabulary so that the
networks are complementary. A few rule breaches are built in on purpose (see
``DELIBERATE_WARNINGS``) so that the warning screens have something to show; the term
dates are fixed and chosen for the reference date 2026-11-21.

The tables of organisations live in :mod:`.company`, the members in :mod:`.people`, the
loading and the account table in :mod:`.load`; this package exports what the other apps'
demo data and the ``demo`` command use.
"""

from lianjian.orgs.demo.company import (
    BRANCHES,
    DELIBERATE_WARNINGS,
    REFERENCE_DATE,
    ROOT_CODE,
    VOCABULARY,
    Branch,
    org_specs,
)
from lianjian.orgs.demo.load import DEMO_PASSWORD, DemoSummary, demo_load, print_accounts
from lianjian.orgs.demo.people import member_specs

__all__ = [
    "BRANCHES",
    "DELIBERATE_WARNINGS",
    "DEMO_PASSWORD",
    "REFERENCE_DATE",
    "ROOT_CODE",
    "VOCABULARY",
    "Branch",
    "DemoSummary",
    "demo_load",
    "member_specs",
    "org_specs",
    "print_accounts",
]
