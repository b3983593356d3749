"""Writes the shipped DOCX templates (mediation/documents/templates/*.docx) with python-docx.

Run `manage.py build_document_templates` after changing the wording here, and
commit the .docx files it writes. A district that wants other wording does not edit this:
it copies a .docx into TIAOJIE_DOCUMENT_TEMPLATE_DIR (same file name) and edits it in Word
or WPS; the template tags ({{ … }}, {%p … %}, {%tr … %}) are docxtpl's (Jinja2), and the
names they use are the context the builders in mediation/documents/context_*.py give.

Layout (every template): A4; margins 25 mm top and bottom, 28 mm left (the binding side
of the 卷宗) and 26 mm right, as the forms are printed (GB/T 9704's 37/35 mm for official
letters would push a 协议书's signature block to a second page); title centred in bold,
every run set in 宋体 (East Asian, w:eastAsia) and Times New Roman (Latin) so Word and
WPS print in 宋体; LibreOffice on a server without 宋体 substitutes its CJK serif
(fonts-noto-cjk's Noto Serif CJK SC).
"""

from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Mm, Pt

from mediation.documents.docx_blocks import (
    CENTER,
    CJK_FONT,
    RIGHT,
    cell,
    cell_para,
    fix_widths,
    form_table,
    header_line,
    keep,
    new_document,
    page_break_unless_last,
    para,
    party_lines,
    party_signatures,
    signature_block,
    tag,
    title,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
__all__ = ["BUILDERS", "CJK_FONT", "TEMPLATES", "build"]


# --- the documents ---------------------------------------------------------------------------


def application(document):
    title(document, "人民调解申请书")
    header_line(document)
    party_lines(document)
    para(document, "纠纷简要情况：", bold=True)
    para(document, "{{ case.facts }}", indent=True)
    para(document, "申请事项：", bold=True)
    tag(document, "{%p for claim in case.claim_lines %}")
    para(document, "{{ loop.index }}. {{ claim }}", indent=True)
    tag(document, "{%p endfor %}")
    para(
        document,
        "人民调解委员会已向本人告知人民调解的性质、原则和效力，以及当事人在调解活动中享有的"
        "权利和承担的义务。本人自愿申请{{ committee.name }}调解上述纠纷。",
        indent=True,
    )
    para(document)
    para(document, "此致")
    para(document, "{{ committee.name }}")
    para(document)
    tag(document, "{%p for p in applicants %}")
    para(document, "申请人（签名、盖章或按指印）：＿＿＿＿＿＿＿＿", align=RIGHT)
    tag(document, "{%p endfor %}")
    para(document, "{{ case.received }}", align=RIGHT)


def registration(document):
    title(document, "人民调解受理登记表")
    header_line(document)
    table = form_table(document, 8)
    labels = [
        "登记日期",
        "当事人",
        "纠纷类型",
        "纠纷来源",
        "纠纷简要情况",
        "当事人请求",
        "受理意见",
        "签名",
    ]
    for index, label in enumerate(labels):
        cell(table.rows[index].cells[0], label, bold=True, align=CENTER)
    rows = table.rows
    cell(rows[0].cells[1], "{{ case.received }}")
    cell(rows[1].cells[1], "{%p for p in parties %}")
    cell_para(
        rows[1].cells[1],
        "{{ p.role }}：{{ p.name }}（{{ p.id_type }}：{{ p.id_number }}；联系方式：{{ p.phone }}；"
        "住址：{{ p.address }}）",
    )
    cell_para(rows[1].cells[1], "{%p endfor %}")
    cell(rows[2].cells[1], "{{ case.dispute_type }}")
    cell(rows[3].cells[1], "{{ case.source }}")
    cell(rows[4].cells[1], "{{ case.facts }}")
    cell(rows[5].cells[1], "{{ case.claims }}")
    cell(
        rows[6].cells[1],
        "经当事人同意，{{ committee.name }}决定受理{{ case.party_names }}之间的{{ case.title }}，"
        "依法进行调解。",
    )
    cell(rows[7].cells[1], "{%p for p in parties %}")
    cell_para(rows[7].cells[1], "{{ p.role }}（签名）：＿＿＿＿＿＿＿＿")
    cell_para(rows[7].cells[1], "{%p endfor %}")
    cell_para(rows[7].cells[1], "登记人（签名）：{{ case.registrar }}")
    para(document)
    para(document, "{{ committee.name }}（盖章）", align=RIGHT)
    para(document, "{{ case.received }}", align=RIGHT)


def rights_notice(document):
    title(document, "人民调解当事人权利义务告知书")
    header_line(document)
    para(document, "{{ case.party_names }}：")
    notice = [
        "人民调解委员会是依法设立的调解民间纠纷的群众性组织。人民调解委员会调解民间纠纷，"
        "遵循下列原则：在当事人自愿、平等的基础上进行调解；不违背法律、法规和国家政策；"
        "尊重当事人的权利，不得因调解而阻止当事人依法通过仲裁、行政、司法等途径维护自己的"
        "权利。人民调解委员会调解民间纠纷，不收取任何费用。",
        "在人民调解活动中，当事人享有下列权利：",
        "（一）选择或者接受人民调解员；",
        "（二）接受调解、拒绝调解或者要求终止调解；",
        "（三）要求调解公开进行或者不公开进行；",
        "（四）自主表达意愿、自愿达成调解协议。",
        "在人民调解活动中，当事人承担下列义务：",
        "（一）如实陈述纠纷事实；",
        "（二）遵守调解现场秩序，尊重人民调解员；",
        "（三）尊重对方当事人行使权利；",
        "（四）自觉履行依法达成的调解协议。",
        "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"
        "双方当事人可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。",
    ]
    for text in notice:
        para(document, text, indent=True)
    para(document, "以上内容，本人已知悉。", indent=True)
    party_signatures(document)
    para(document)
    para(document, "{{ committee.name }}（盖章）", align=RIGHT)
    para(document, "{{ case.rights_notified }}", align=RIGHT)


def decline_notice(document):
    title(document, "不予受理告知书")
    header_line(document)
    para(document, "{{ case.party_names }}：")
    para(
        document,
        "你（你们）于{{ case.received }}申请调解的{{ case.title }}，经审查，{{ decline.reason }}，"
        "根据《中华人民共和国人民调解法》的规定，本委员会决定不予受理。",
        indent=True,
    )
    para(document, "{{ decline.detail }}", indent=True)
    para(
        document,
        "你（你们）可以依法通过下列途径维护自己的权利：向人民法院提起诉讼；向有关仲裁机构"
        "申请仲裁；请求有关行政机关依法处理。",
        indent=True,
    )
    para(document)
    para(document, "{{ committee.name }}（盖章）", align=RIGHT)
    para(document, "{{ decline.on }}", align=RIGHT)


def investigation(document):
    title(document, "人民调解调查记录")
    header_line(document)
    para(document, "纠纷名称：{{ case.title }}")
    para(document, "调查时间：＿＿＿＿年＿＿月＿＿日＿＿时＿＿分")
    para(document, "调查地点：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿")
    para(document, "调查人：{{ case.mediators }}　　　记录人：＿＿＿＿＿＿")
    para(document, "被调查人：＿＿＿＿＿＿　性别：＿＿　年龄：＿＿　联系方式：＿＿＿＿＿＿")
    para(document, "调查记录：", bold=True)
    for _ in range(12):
        para(document, "＿" * 36)
    para(document, "被调查人（签名）：＿＿＿＿＿＿　　调查人（签名）：＿＿＿＿＿＿")


def session_record(document):
    tag(document, "{%p for s in sessions %}")
    title(document, "人民调解记录")
    header_line(document)
    para(document, "纠纷名称：{{ case.title }}")
    para(document, "调解时间：{{ s.held_at }}")
    para(document, "调解地点：{{ s.place }}")
    para(document, "当事人：{{ case.party_names }}（{{ s.presence }}）")
    para(document, "参加人员：{{ s.participants }}")
    para(document, "调解员：{{ case.mediators }}　　　记录人：{{ s.recorder }}")
    para(document, "调解情况：", bold=True)
    para(document, "{{ s.summary }}", indent=True)
    para(document, "调解结果：", bold=True)
    para(document, "{{ s.result }}", indent=True)
    para(document)
    party_signatures(document)
    para(document, "调解员（签名）：＿＿＿＿＿＿＿＿　　记录人（签名）：＿＿＿＿＿＿＿＿")
    page_break_unless_last(document)
    tag(document, "{%p endfor %}")


def agreement(document):
    tag(document, "{%p for copy in agreement.copies %}")
    para(document, "{{ copy }}", align=RIGHT)
    title(document, "人民调解协议书")
    para(document, "{{ agreement.number }}", align=RIGHT)
    party_lines(document)
    para(document, "纠纷主要事实、争议事项及各方责任：", bold=True)
    para(document, "{{ case.facts }}", indent=True)
    para(document, "{{ agreement.responsibility }}", indent=True)
    para(document, "经调解，当事人自愿达成如下协议：", bold=True)
    tag(document, "{%p for term in agreement.terms %}")
    para(document, "{{ loop.index }}. {{ term }}", indent=True)
    tag(document, "{%p endfor %}")
    para(document, "履行方式、地点和期限：", bold=True)
    para(document, "{{ agreement.performance }}", indent=True)
    para(
        document,
        "本协议自各方当事人签名、盖章或按指印，人民调解员签名并加盖人民调解委员会印章之日起"
        "生效。本协议一式{{ agreement.copies|length }}份，当事人各执一份，人民调解委员会留存"
        "一份。当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。",
        indent=True,
    )
    keep(para(document))
    signature_block(document, "{{ agreement.signed }}")
    page_break_unless_last(document)
    tag(document, "{%p endfor %}")


def oral_agreement(document):
    title(document, "人民调解口头协议登记表")
    header_line(document)
    table = form_table(document, 6)
    labels = ["当事人", "纠纷简要情况", "协议内容", "履行方式和期限", "当事人意见", "登记"]
    for index, label in enumerate(labels):
        cell(table.rows[index].cells[0], label, bold=True, align=CENTER)
    rows = table.rows
    cell(rows[0].cells[1], "{%p for p in parties %}")
    cell_para(rows[0].cells[1], "{{ p.role }}：{{ p.name }}（联系方式：{{ p.phone }}）")
    cell_para(rows[0].cells[1], "{%p endfor %}")
    cell(rows[1].cells[1], "{{ case.facts }}")
    cell(rows[2].cells[1], "{%p for term in agreement.terms %}")
    cell_para(rows[2].cells[1], "{{ loop.index }}. {{ term }}")
    cell_para(rows[2].cells[1], "{%p endfor %}")
    cell(rows[3].cells[1], "{{ agreement.performance }}")
    cell(
        rows[4].cells[1],
        "当事人认为无需制作调解协议书，同意采取口头协议方式，协议自{{ agreement.effective }}"
        "达成之日起生效。",
    )
    cell(rows[5].cells[1], "人民调解员（签名）：{{ case.mediators }}")
    cell_para(rows[5].cells[1], "登记日期：{{ agreement.effective }}")


def follow_up_record(document):
    tag(document, "{%p for v in visits %}")
    title(document, "人民调解回访记录")
    header_line(document)
    para(document, "回访时间：{{ v.on }}")
    para(document, "被回访人：{{ case.party_names }}")
    para(document, "调解协议编号：{{ agreement.number }}")
    para(document, "纠纷事项：{{ case.title }}")
    para(document, "协议履行情况：{{ v.performed }}")
    para(document, "回访情况：", bold=True)
    para(document, "{{ v.result }}", indent=True)
    para(document, "当事人满意度：{{ v.rating }}")
    para(document, "是否就协议提起诉讼及结果：{{ v.lawsuit }}")
    para(document, "有无调解不当、矛盾激化或遗留隐患及处理情况：{{ v.note }}")
    para(document)
    para(document, "回访人（签名）：{{ v.visitor }}　　　{{ v.on }}", align=RIGHT)
    page_break_unless_last(document)
    tag(document, "{%p endfor %}")


def judicial_application(document):
    title(document, "司法确认申请书")
    para(document, "申请人：", bold=True)
    party_lines(document)
    para(document, "请求事项：", bold=True)
    para(
        document,
        "请求人民法院确认申请人于{{ agreement.effective }}经{{ committee.name }}主持调解达成的"
        "人民调解协议（{{ agreement.number }}）有效。",
        indent=True,
    )
    para(document, "事实和理由：", bold=True)
    para(
        document,
        "申请人之间因{{ case.title }}，经{{ committee.name }}调解，于{{ agreement.effective }}"
        "自愿达成如下协议：",
        indent=True,
    )
    tag(document, "{%p for term in agreement.terms %}")
    para(document, "{{ loop.index }}. {{ term }}", indent=True)
    tag(document, "{%p endfor %}")
    para(
        document,
        "申请人保证：出于解决纠纷的目的自愿达成协议，没有恶意串通、规避法律的行为；如果因为"
        "该协议内容而给他人造成损害的，愿意承担相应的民事责任和其他法律责任。现共同申请"
        "人民法院依法确认该调解协议的效力。",
        indent=True,
    )
    para(document)
    para(document, "此致")
    para(document, "{{ agreement.court }}")
    para(document)
    party_signatures(document)
    para(document, "附：人民调解协议书一份", indent=True)


def file_cover(document):
    para(document)
    title(document, "{{ committee.name }}", size=Pt(16))
    title(document, "人民调解卷宗", size=Pt(26))
    para(document)
    table = form_table(document, 9, widths=(Mm(40), Mm(110)))
    values = [
        ("卷　名", "{{ case.title }}"),
        ("卷　号", "{{ file.number }}"),
        ("案　号", "{{ case.number }}"),
        ("当事人", "{{ case.party_names }}"),
        ("调解员", "{{ case.mediators }}"),
        ("调解日期", "自{{ file.started }}至{{ file.ended }}"),
        ("立卷人", "{{ file.filer }}　　　立卷日期：{{ file.filed }}"),
        ("保管期限", "{{ file.retention }}"),
        ("备　注", "{{ file.note }}"),
    ]
    for row, (label, value) in zip(table.rows, values, strict=True):
        cell(row.cells[0], label, bold=True, align=CENTER)
        cell(row.cells[1], value)


def file_contents(document):
    title(document, "卷内目录")
    header_line(document)
    table = document.add_table(rows=3, cols=4)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(16), Mm(96), Mm(18), Mm(26))
    fix_widths(table, widths)
    for index, heading in enumerate(["序号", "文书名称", "页号", "备注"]):
        cell(table.rows[0].cells[index], heading, bold=True, align=CENTER)
    cell(table.rows[1].cells[0], "{%tr for row in contents %}")
    body = table.rows[2].cells
    cell(body[0], "{{ row.index }}", align=CENTER)
    cell(body[1], "{{ row.title }}")
    cell(body[2], "{{ row.pages }}", align=CENTER)
    cell(body[3], "{{ row.note }}")
    # The closing tag's row: a third body row that docxtpl removes.
    closing = table.add_row().cells
    cell(closing[0], "{%tr endfor %}")
    fix_widths(table, widths)


def file_note(document):
    title(document, "备考表")
    header_line(document)
    para(document, "本卷情况说明：", bold=True)
    para(
        document,
        "本卷为{{ case.party_names }}{{ case.title }}一案的调解卷宗，"
        "共有文书材料{{ file.count }}件。{{ file.state }}",
        indent=True,
    )
    for _ in range(8):
        para(document, "＿" * 36)
    para(document)
    para(document, "立卷人：{{ file.filer }}　　　检查人：＿＿＿＿＿＿", align=RIGHT)
    para(document, "立卷日期：{{ file.filed }}", align=RIGHT)


BUILDERS = {
    "application": application,
    "registration": registration,
    "rights_notice": rights_notice,
    "decline_notice": decline_notice,
    "investigation": investigation,
    "session_record": session_record,
    "agreement": agreement,
    "oral_agreement": oral_agreement,
    "follow_up_record": follow_up_record,
    "judicial_application": judicial_application,
    "file_cover": file_cover,
    "file_contents": file_contents,
    "file_note": file_note,
}


def build(kind: str, folder: Path = TEMPLATES) -> Path:
    document = new_document()
    BUILDERS[kind](document)
    # Fixed properties, so a rebuild without a wording change writes the same text.
    properties = document.core_properties
    properties.author = properties.last_modified_by = "tiaojie"
    properties.title = kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}.docx"
    document.save(path)
    return path
