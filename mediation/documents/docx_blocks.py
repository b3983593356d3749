"""The building blocks of the document templates (python-docx): an A4 document whose
every run names 宋体 as its East Asian font, titles, paragraphs, docxtpl tag paragraphs,
form tables, and the recurring party and signature lines. Used by build_templates.py and
by the 卷宗's picture pages (casefile.py)."""

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

CJK_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(12)  # 小四
TITLE_SIZE = Pt(18)  # 小二
CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT


def _set_fonts(run_or_style_font_element, size=None):
    """Names the CJK font (w:eastAsia) besides the Latin one on a run's or a style's rPr."""
    r_pr = run_or_style_font_element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), CJK_FONT)
    fonts.set(qn("w:cs"), LATIN_FONT)


def new_document() -> Document:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(25)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = BODY_SIZE
    _set_fonts(normal.element)
    normal.paragraph_format.line_spacing = 1.25
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    table_style = document.styles["Table Grid"]
    _set_fonts(table_style.element)
    return document


def run(paragraph, text: str, *, bold=False, size=None):
    r = paragraph.add_run(text)
    r.bold = bold
    r.font.size = size or BODY_SIZE
    r.font.name = LATIN_FONT
    _set_fonts(r._element)
    return r


def title(document, text: str, *, size=TITLE_SIZE):
    paragraph = document.add_paragraph()
    paragraph.alignment = CENTER
    paragraph.paragraph_format.space_after = Pt(12)
    run(paragraph, text, bold=True, size=size)
    return paragraph


def para(document, text: str = "", *, align=None, indent=False, bold=False):
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters
    if text:
        run(paragraph, text, bold=bold)
    return paragraph


def tag(document, text: str):
    """A paragraph holding only a docxtpl tag ({%p … %}); it disappears when rendered."""
    return para(document, text)


def page_break_unless_last(document):
    tag(document, "{%p if not loop.last %}")
    paragraph = document.add_paragraph()
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    tag(document, "{%p endif %}")


def cell(table_cell, text: str, *, bold=False, align=None):
    paragraph = table_cell.paragraphs[0]
    if align is not None:
        paragraph.alignment = align
    run(paragraph, text, bold=bold)
    return paragraph


def cell_para(table_cell, text: str, *, align=None):
    paragraph = table_cell.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    run(paragraph, text)
    return paragraph


FORM_WIDTHS = (Mm(32), Mm(124))


def form_table(document, rows: int, widths=FORM_WIDTHS):
    table = document.add_table(rows=rows, cols=len(widths))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fix_widths(table, widths)
    return table


def fix_widths(table, widths):
    """Column widths in the grid (LibreOffice reads these) and on every cell (Word)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for index, width in enumerate(widths):
            row.cells[index].width = width


def header_line(document):
    """The case number under the title, right-aligned, as on every Ministry form."""
    para(document, "{{ case.number }}", align=RIGHT)


def party_lines(document, source="parties"):
    tag(document, f"{{%p for p in {source} %}}")
    para(
        document,
        "{{ p.role }}：{{ p.name }}，性别：{{ p.sex }}，年龄：{{ p.age }}，"
        "民族：{{ p.ethnicity }}，职业或职务：{{ p.occupation }}，"
        "{{ p.id_type }}：{{ p.id_number }}，"
        "联系方式：{{ p.phone }}，单位或住址：{{ p.address }}。",
        indent=True,
    )
    tag(document, "{%p endfor %}")


SIGN_DATE = "　　年　　月　　日"


def party_signatures(document, source="parties"):
    tag(document, f"{{%p for p in {source} %}}")
    keep(para(document, f"{{{{ p.role }}}}（签名、盖章或按指印）：＿＿＿＿＿＿　{SIGN_DATE}"))
    tag(document, "{%p endfor %}")


def signature_block(document, date: str):
    """The parties' and the mediator's signatures on the left, the committee's seal and the
    date on the right, side by side (a borderless table) so the block fits under the text."""
    table = document.add_table(rows=1, cols=2)
    fix_widths(table, (Mm(82), Mm(74)))
    left, right = table.rows[0].cells
    cell(left, "{%p for p in parties %}")
    room(cell_para(left, "{{ p.role }}（签名、盖章或按指印）："))
    cell_para(left, "{%p endfor %}")
    room(cell_para(left, "人民调解员（签名）："))
    cell(right, "")
    cell_para(right, "")
    cell_para(right, "{{ committee.name }}", align=CENTER)
    cell_para(right, "（盖章）", align=CENTER)
    cell_para(right, date, align=CENTER)
    table.rows[0].cells[0].paragraphs[0].paragraph_format.keep_with_next = True
    return table


def room(paragraph):
    """Space above a line to sign on."""
    paragraph.paragraph_format.space_before = Pt(8)
    return paragraph


def keep(paragraph):
    """Printed on the same page as the next paragraph (a signature block stays whole)."""
    paragraph.paragraph_format.keep_with_next = True
    return paragraph
