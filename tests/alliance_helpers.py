"""Alliances on top of the ``world`` fixture, shared by the alliance tests.

Two alliances::

    LJ-A  营销政企联建 (政企联建, 党建+营销服务), lead ZB-A, members ZB-B and the partner WB-GOV
    LJ-X  外公司联建网 (联建网, 党建+安全生产), lead ZB-X, member DW2

LJ-A has an active agreement (ZB-A × WB-GOV) with one PDF scan; LJ-X a draft agreement.
Visible: LJ-A to admin, company, manager_a, member_a (ZB-A) and manager_b (ZB-B); LJ-X to
admin and outsider. Manageable: LJ-A by admin, company, manager_a; LJ-X by admin, outsider.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from lianjian.alliances import services
from lianjian.alliances.models import (
    Agreement,
    AgreementFile,
    Alliance,
    AllianceMember,
    AllianceType,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Alliances:
    lj_a: Alliance
    lj_x: Alliance
    ag_a: Agreement
    ag_x: Agreement
    scan: AgreementFile
    zb_b_in_a: AllianceMember


def make_alliances(world) -> Alliances:
    lj_a = services.alliance_create(
        actor=None,
        code="LJ-A",
        name="营销政企联建",
        type=AllianceType.objects.get(name="政企联建"),
        theme="党建+营销服务",
        lead=world.zb_a,
        members=[world.zb_b, world.partner],
        sponsor="陈海波",
        founded=datetime.date(2024, 1, 1),
    )
    gov = lj_a.memberships.get(org=world.partner)
    services.alliance_member_update(
        actor=None,
        membership=gov,
        liaison="周联络",
        liaison_phone="024-44556677",
        liaison_post="机关党委副书记",
    )
    lj_x = services.alliance_create(
        actor=None,
        code="LJ-X",
        name="外公司联建网",
        type=AllianceType.objects.get(name="联建网"),
        theme="党建+安全生产",
        lead=world.zb_x,
        members=[world.dw2],
        founded=datetime.date(2024, 6, 1),
    )
    ag_a = services.agreement_create(
        actor=None,
        alliance=lj_a,
        parties=[world.zb_a, world.partner],
        title="营销政企联建协议",
        start=datetime.date(2024, 1, 1),
        end=datetime.date(2026, 12, 31),
        goals=[{"text": "联合开展主题党日", "target": 4, "unit": "次/年"}],
    )
    services.agreement_set_status(
        actor=None, agreement=ag_a, status="已签署", on=datetime.date(2024, 1, 1)
    )
    services.agreement_set_status(
        actor=None, agreement=ag_a, status="生效", on=datetime.date(2024, 1, 1)
    )
    scan = services.agreement_attach(
        actor=None,
        agreement=ag_a,
        upload=SimpleUploadedFile("协议.pdf", PDF_BYTES, "application/pdf"),
    )
    ag_x = services.agreement_create(
        actor=None,
        alliance=lj_x,
        parties=[world.zb_x, world.dw2],
        title="外公司联建协议",
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2027, 12, 31),
    )
    return Alliances(
        lj_a=lj_a,
        lj_x=lj_x,
        ag_a=ag_a,
        ag_x=ag_x,
        scan=scan,
        zb_b_in_a=lj_a.memberships.get(org=world.zb_b),
    )
