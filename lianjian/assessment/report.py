"""The Word summary report of one assessment run (python-docx), Chinese throughout.

:func:`write_report` writes, for the results of a run that the user may see: the facts of
the run (scheme, period, version, who computed and published it), the star distribution,
the ranking, leaders and laggards per dimension, the correlation between the party-building
and the business dimension (stated as a correlation, never as a cause), and the vetoed and
failed organisations with the reasons. Every figure comes from the stored run, exactly as
the result pages show it. Chinese text needs an East-Asian font on every run of text
(``w:eastAsia``), else Word falls back to a Western font and renders boxes on some systems.
"""

from __future__ import annotations

from typing import IO, Any

from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from lianjian.assessment import selectors
from lianjian.assessment.models import AssessmentResult, AssessmentRun
from lianjian.core.jobs import ReportKind

FONT = "宋体"
HEADING_FONT = "黑体"
RANKING_LIMIT = 60  # a longer ranking belongs in the Excel export; the report lists the top


def _font(run: Any, name: str = FONT, size: float | None = None, bold: bool | None = None) -> None:
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _para(
    doc: Any,
    text: str = "",
    *,
    size: float = 11,
    bold: bool = False,
    align: Any = None,
    font: str = FONT,
) -> Paragraph:
    paragraph = doc.add_paragraph()
    if text:
        _font(paragraph.add_run(text), font, size, bold)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _heading(doc: Any, text: str) -> None:
    """A level-1 heading in Word's own Heading 1 style, so that the navigation pane and a
    table of contents list the sections; set in 黑体, black, like the rest of the report."""
    paragraph = doc.add_heading(level=1)
    _font(paragraph.add_run(text), HEADING_FONT, 14, True)
    paragraph.runs[0].font.color.rgb = RGBColor(0, 0, 0)
    paragraph.paragraph_format.space_before = Pt(12)


def _page(doc: Any) -> None:
    """A4 portrait with 2.5 cm margins, as Chinese official documents are printed."""
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)


def _table(
    doc: Any, header: list[str], rows: list[list[str]], right: set[int] | None = None
) -> None:
    right = right or set()
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, text in enumerate(header):
        _font(table.rows[0].cells[i].paragraphs[0].add_run(text), FONT, 10, True)
    for values in rows:
        cells = table.add_row().cells
        for i, text in enumerate(values):
            _font(cells[i].paragraphs[0].add_run(text), FONT, 10)
            if i in right:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _pts(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _stars(row: selectors.Row) -> str:
    if row.vetoed:
        return "否决"
    return "★" * row.stars if row.stars else "—"


def write_report(run: AssessmentRun, user: Any, stream: IO[bytes]) -> None:
    """Write the summary report of ``run`` as a .docx to ``stream``, over the results
    ``user`` may see (a note says so when that is not the whole run). Four queries."""
    scheme = run.scheme
    rows = selectors.result_rows(run, user)
    dimensions = selectors.dimensions_of(run)
    indicators = {i["code"]: i for i in selectors.indicators_of(run)}
    label = selectors.period_label(run.period)
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    normal.font.size = Pt(11)
    heading = doc.styles["Heading 1"]
    heading.font.name = HEADING_FONT
    heading.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEADING_FONT)
    heading.font.color.rgb = RGBColor(0, 0, 0)
    _page(doc)

    _para(
        doc,
        f"{scheme.name}",
        size=18,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=HEADING_FONT,
    )
    _para(
        doc,
        f"{label}考核情况报告",
        size=16,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        font=HEADING_FONT,
    )
    status = (
        f"已于 {timezone.localtime(run.published_at):%Y-%m-%d %H:%M} 发布"
        if run.is_published and run.published_at
        else "尚未发布，仅供核对"
    )
    by = run.created_by.display_name if run.created_by_id else "系统"
    _para(
        doc,
        f"方案编码 {scheme.code} · 第 {run.version} 版（{status}） · "
        f"{timezone.localtime(run.created_at):%Y-%m-%d %H:%M} 由{by}计算",
        size=10,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    whole = AssessmentResult.objects.filter(run=run).count()
    if len(rows) < whole:
        _para(
            doc,
            f"本报告包含您有权查看的 {len(rows)} 个组织的结果（该版本共 {whole} 个参评组织，排名为全体中的名次）。",
            size=10,
        )

    _heading(doc, "一、总体情况")
    if not rows:
        _para(doc, "本版本没有可查看的考核结果。")
        doc.save(stream)
        return
    mean = sum(r.total for r in rows) / len(rows)
    passed = sum(1 for r in rows if r.passed)
    vetoed = [r for r in rows if r.vetoed]
    dims_text = "、".join(f"{d['name']}（满分 {d['max']:g} 分）" for d in dimensions)
    scope = (
        f"本期参评组织 {len(rows)} 个" if len(rows) == whole else f"本报告涵盖的组织 {len(rows)} 个"
    )
    _para(
        doc,
        f"{scope}，考核维度为{dims_text}。平均总分 {mean:.2f} 分，"
        f"合格 {passed} 个，一票否决 {len(vetoed)} 个。",
    )
    dist = selectors.distribution(rows)
    _table(
        doc,
        ["星级", "组织数", "占比"],
        [[lab, str(n), f"{n / len(rows) * 100:.1f}%"] for _, lab, n in dist],
        right={1, 2},
    )

    shown = rows[:RANKING_LIMIT]
    _heading(
        doc,
        "二、排名"
        + (
            f"（前 {RANKING_LIMIT} 名，完整排名见 Excel 导出）" if len(rows) > RANKING_LIMIT else ""
        ),
    )
    _table(
        doc,
        ["排名", "组织", *[d["name"] for d in dimensions], "总分", "星级"],
        [
            [
                str(r.rank),
                r.name,
                *[_pts(r.dimensions.get(d["code"])) for d in dimensions],
                _pts(r.total),
                _stars(r),
            ]
            for r in shown
        ],
        right=set(range(2, len(dimensions) + 3)) | {0},
    )

    _heading(doc, "三、各维度领先与落后")
    for item in selectors.leaders_and_laggards(rows, dimensions):
        dim = item["dimension"]
        leaders = "、".join(f"{row.name}（{points:.2f}）" for points, row in item["leaders"])
        laggards = (
            "、".join(f"{row.name}（{points:.2f}）" for points, row in item["laggards"]) or "—"
        )
        _para(
            doc,
            f"{dim['name']}：平均 {_pts(item['mean'])} 分（满分 {dim['max']:g}）。"
            f"得分最高：{leaders}；得分最低：{laggards}。",
        )

    _heading(doc, "四、党建与业务的关系")
    dx, dy = selectors.pick_axes(dimensions)
    if dx and dy:
        scatter = selectors.scatter(rows, dx, dy)
        _para(
            doc,
            f"以各组织的{dx['name']}得分与{dy['name']}得分计算（{scatter['n']} 个组织）：{scatter['words']}",
        )
    else:
        _para(doc, "方案只有一个维度，无法比较。")

    _heading(doc, "五、一票否决与不合格")
    if vetoed:
        veto_codes = [code for code, spec in indicators.items() if spec.get("rule") == "veto"]
        reasons = dict(
            AssessmentResult.objects.filter(pk__in=[r.result_id for r in vetoed]).values_list(
                "pk", "indicators"
            )
        )
        for row in vetoed:
            found = [
                indicators[c]["name"]
                for c in veto_codes
                if ((reasons.get(row.result_id) or {}).get(c) or {}).get("value")
                not in (None, 0, 0.0)
            ]
            _para(doc, f"{row.name}：{'、'.join(found) or '一票否决事项'}，取消本期评星资格。")
    failed = [r for r in rows if not r.passed and not r.vetoed]
    if failed:
        _para(
            doc,
            "总分低于合格线的组织："
            + "、".join(f"{r.name}（{r.total:.2f} 分）" for r in failed)
            + "。",
        )
    if not vetoed and not failed:
        _para(doc, "本期没有一票否决或不合格的组织。")
    _para(
        doc,
        "说明：分数保留两位小数，计算按全精度进行；排名同分并列，一票否决的组织排在最后。"
        "每个分数的来源记录（组织生活、联建活动、业务指标导入批次、评议打分）可在平台的得分明细页面查看。",
        size=9,
    )
    doc.save(stream)


def _title(run: AssessmentRun) -> str:
    return f"{run.scheme.name} {selectors.period_label(run.period)}第 {run.version} 版考核情况报告"


# The report as a background task (``core.jobs``; registered in ``AssessmentConfig.ready``):
# the run is a version the user sees and not voided, when written and again when downloaded.
REPORT = ReportKind(
    find=selectors.live_run,
    write=write_report,
    title=_title,
    file_name=lambda run: f"{run.scheme.code}-{run.period}-第{run.version}版-考核情况报告.docx",
    back=lambda run: reverse("assessment:run_results", args=[run.pk]),
)
