"""The Word summary report: Chinese text with an East-Asian font on every run, the figures
of the stored run, the correlation stated as a correlation, and the reader's scope."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from lianjian.assessment.report import write_report
from tests.assessment_screens_helpers import make_assessed
from tests.report_helpers import report_download


@pytest.fixture
def assessed(world):
    return make_assessed(world)


def read(run, user) -> Document:
    handle = io.BytesIO()
    write_report(run, user, handle)
    handle.seek(0)
    return Document(handle)


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += ["|".join(c.text for c in r.cells) for r in table.rows]
    return "\n".join(parts)


def test_the_report_states_the_run_and_its_figures(world, assessed):
    doc = read(assessed.run2, world.company)
    body = all_text(doc)
    assert doc.paragraphs[0].text == "2025年度党支部双维度考核"
    assert doc.paragraphs[1].text == "2025年考核情况报告"
    assert "第 2 版（已于" in body
    assert "本期参评组织 2 个" in body and "一票否决 1 个" in body
    a, b = assessed.result_a, assessed.result_b
    assert (
        f"1|营销服务党支部|{a.dimensions['DJ']:.2f}|{a.dimensions['YW']:.2f}|{a.dimensions['LJ']:.2f}|{a.total:.2f}|—"
        in body
    )
    assert (
        f"2|运维检修党支部|{b.dimensions['DJ']:.2f}|{b.dimensions['YW']:.2f}|{b.dimensions['LJ']:.2f}|{b.total:.2f}|否决"
        in body
    )
    assert "否决|1|50.0%" in body
    assert "运维检修党支部：重大安全责任事故，取消本期评星资格。" in body
    assert "组织数不足 3 个或得分没有差异，无法计算相关系数。" in body
    assert "总分低于合格线的组织：营销服务党支部" in body


def test_every_run_of_text_has_an_east_asian_font(world, assessed):
    doc = read(assessed.run2, world.company)
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [
        r
        for t in doc.tables
        for row in t.rows
        for c in row.cells
        for p in c.paragraphs
        for r in p.runs
    ]
    assert runs
    for run in runs:
        fonts = run._element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in ("宋体", "黑体"), run.text


def test_a_branch_gets_a_report_of_what_it_may_see(world, assessed):
    body = all_text(read(assessed.run2, world.manager_b))
    assert "本报告包含您有权查看的 1 个组织的结果（该版本共 2 个参评组织" in body
    assert "运维检修党支部" in body and "营销服务党支部" not in body


def test_the_report_downloads_as_a_docx(world, assessed):
    client = Client()
    client.force_login(world.company)  # a draft's report: the scheme's owners only
    # the old GET link still works: it starts the job, whose page offers the file
    url = reverse("assessment:run_report", args=[assessed.run1.pk])
    doc = report_download(client, url, method="get")
    assert "尚未发布，仅供核对" in all_text(doc)
