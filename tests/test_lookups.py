"""The ``under`` lookup selects exactly a subtree, with codes that are LIKE wildcards too."""

from __future__ import annotations

from lianjian.orgs.models import Organisation
from lianjian.orgs.services import org_create


def test_under_selects_exactly_the_subtree(db):
    a = org_create(actor=None, code="A_1", name="甲", kind="党委")
    org_create(actor=None, code="B", name="乙", kind="党支部", parent=a)
    org_create(actor=None, code="AX1", name="丙", kind="党委")  # '_' must not match 'X'
    org_create(actor=None, code="A_10", name="丁", kind="党委")  # a sibling whose code extends A_1
    codes = set(Organisation.objects.filter(path__under=a.path).values_list("code", flat=True))
    assert codes == {"A_1", "B"}
    assert (
        set(Organisation.objects.filter(path__startswith=a.path).values_list("code", flat=True))
        == codes
    )
