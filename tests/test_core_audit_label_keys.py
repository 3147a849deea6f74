"""The audit log screen names every key the demo loaders and the newer apps write in Chinese
(core.audit_labels): these keys showed raw (``votes：621``) on /audit/ after ``lianjian demo``."""

from __future__ import annotations

import re

import pytest

from lianjian.core.audit_labels import field_label

SEEN_RAW = [
    ("activities.activity", "activities"),
    ("alliances.alliance", "agreements"),
    ("alliances.alliance", "plans"),
    ("appraisals.appraisal", "appraisals"),
    ("appraisals.appraisal", "decisions"),
    ("appraisals.appraisal", "participants"),
    ("appraisals.appraisal", "votes"),
    ("appraisals.decision", "participant_id"),
    ("appraisals.selfassessment", "participant_id"),
    ("carriers.carrier", "carriers"),
    ("carriers.carrier", "reviews"),
    ("consultations.problem", "meetings"),
    ("consultations.problem", "problems"),
    ("points.pointsscheme", "withdrawn"),
    ("points.pointsscheme", "written"),
    ("projects.project", "open_call_bids"),
    ("projects.project", "projects"),
    ("sharing.resource", "bookings"),
    ("sharing.resource", "matches"),
    ("sharing.resource", "needs"),
    ("sharing.resource", "resources"),
    ("sharing.resource", "tasks"),
    ("supervision.accountability", "item_id"),
    ("supervision.measure", "item_id"),
]


@pytest.mark.parametrize(("target_type", "key"), SEEN_RAW)
def test_the_key_reads_in_chinese(target_type, key):
    label = field_label(target_type, key)
    assert label != key
    assert re.fullmatch(r"[\u4e00-\u9fff（）]+", label), label
