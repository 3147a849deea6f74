"""The Word 整改情况报告 of one batch (python-docx), Chinese throughout.

:func:`write_report` writes, for the items of the batch that the user may see: the facts of
the batch (source, issuing body, inspected organisation, feedback date, report due dates and
the reports submitted), the counts by state, then every item with its responsible
organisation, type, deadline, state and colour, its measures with their states, its results
and its evidence links. Every figure comes from the stored ledger, as the screens show it.
Chinese text carries an East-Asian font on every run (``w:eastAsia``).
"""

from __future__ import annotations

from collections import Counter
from typing import IO, Any

from django.urls import reverse
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from lianjian.core.jobs import ReportKind
from lianjian.core.validation import today
from lianjian.supervision import rules, selectors
from lianjian.supervision.models import Batch, Item

FONT = "宋体"
HEADING_FONT = "黑体"


def _font(run: Any, name: str = FONT, size: float = 11, bold: bool = False) -> None:
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    run.font.size = Pt(size)
    run.bold = bold


def _para(doc: Any, text: str, *, size: float = 11, bold: bool = False, align: Any = None) -> None:
    paragraph = doc.add_paragraph()
    _font(paragraph.add_run(text), FONT, size, bold)
    if align is not None:
        paragraph.alignment = align


def _heading(doc: Any, text: str, level: int = 1) -> None:
    paragraph = doc.add_heading(level=level)
    _font(paragraph.add_run(text), HEADING_FONT, 14 if level == 1 else 12, True)
    paragraph.runs[0].font.color.rgb = RGBColor(0, 0, 0)


def _table(doc: Any, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, text in enumerate(header):
        _font(table.rows[0].cells[i].paragraphs[0].add_run(text), FONT, 10, True)
    for values in rows:
        cells = table.add_row().cells
        for i, text in enumerate(values):
            _font(cells[i].paragraphs[0].add_run(text), FONT, 10)


def write_report(batch: Batch, user: Any, stream: IO[bytes]) -> None:
    """Write the 整改情况报告 of ``batch`` as a .docx to ``stream``, over the items ``user``
    may see (a note says so when that is not every item). Four queries."""
    day = today()
    items = list(
        selectors.item_rows(Item.objects.visible_to(user).filter(batch=batch, voided=False))
    )
    total = Item.objects.filter(batch=batch, voided=False).count()
    reports = list(batch.reports.all())
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
    _para(doc, f"{batch.title}整改情况报告", size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"截至 {day:%Y年%m月%d日}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _heading(doc, "一、基本情况")
    _table(
        doc,
        ["项目", "内容"],
        [
            ["批次编码", batch.code],
            ["来源", batch.source],
            ["下发单位", batch.issuing_body],
            ["被检查组织", batch.inspected_org.name],
            ["反馈日期", f"{batch.feedback_date:%Y-%m-%d}"],
            ["整改报告应报日期", f"{batch.report_due:%Y-%m-%d}"],
            ["整改方案审议", batch.plan_meeting or "—"],
            [
                "已报送整改报告",
                "；".join(f"{r.submitted_on:%Y-%m-%d} {r.title}" for r in reports) or "尚未报送",
            ],
        ],
    )
    if len(items) != total:
        _para(doc, f"注：本报告只含您可查看的 {len(items)} 个问题（本批次共 {total} 个）。")
    _heading(doc, "二、整改进度")
    counts = Counter(i.state for i in items)
    closed = sum(counts[s] for s in rules.DONE_STATES)
    _para(doc, f"共 {len(items)} 个问题，已销号 {closed} 个，尚未销号 {len(items) - closed} 个。")
    _table(doc, ["状态", "问题数"], [[s, str(counts.get(s, 0))] for s in rules.STATES])
    _heading(doc, "三、问题整改明细")
    for item in items:
        colour = selectors.item_colour(item, day)
        flags = selectors.flags(item, day)
        _heading(doc, f"问题{item.number}：{item.description[:40]}", level=2)
        _para(
            doc,
            f"责任组织：{item.responsible_org.name}；整改类型：{item.kind}；整改时限：{item.deadline:%Y-%m-%d}；"
            f"状态：{item.state}"
            + (f"（{selectors.COLOURS[str(colour)]}）" if colour is not None else "")
            + (f"；标记：{'、'.join(flags)}" if flags else ""),
        )
        measures = list(item.measures.all())
        if measures:
            _table(
                doc,
                ["整改措施", "责任人", "完成时限", "状态"],
                [[m.text, m.owner or "—", f"{m.deadline:%Y-%m-%d}", m.state] for m in measures],
            )
        else:
            _para(doc, "尚无整改措施。")
        if item.results:
            _para(doc, f"整改成效：{item.results}")
        links = [line.strip() for line in item.evidence.splitlines() if line.strip()]
        _para(doc, "佐证材料：" + ("；".join(links) if links else "无"))
    doc.save(stream)


def visible_batch(user: Any, code: str) -> Batch | None:
    """The batch ``code`` as ``user`` may see it, else None (the caller answers 404)."""
    return Batch.objects.visible_to(user).select_related("inspected_org").filter(code=code).first()


# The report as a background task (``core.jobs``; registered in ``SupervisionConfig.ready``):
# the batch is one the user sees, when written and again when downloaded.
REPORT = ReportKind(
    find=visible_batch,
    write=write_report,
    title=lambda batch: f"{batch.code} {batch.title} 整改情况报告",
    file_name=lambda batch: f"{batch.code}-整改情况报告.docx",
    back=lambda batch: reverse("supervision:batch_detail", args=[batch.code]),
)
