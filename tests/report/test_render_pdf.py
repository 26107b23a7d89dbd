"""``--format pdf``: the HTML report laid out by WeasyPrint, read back with poppler's tools.

Skipped only when WeasyPrint or poppler-utils is missing, and then loudly; with
``LEGALCHECK_REQUIRE_PDF=1`` (CI) a missing tool is a failure instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from legalcheck._cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CASES = ("violating-late-forward.yaml", "violating-extension-reason-not-told.yaml")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [name for name, found in (("weasyprint", importlib.util.find_spec("weasyprint")),
                                        ("pdftotext", shutil.which("pdftotext")),
                                        ("pdftoppm", shutil.which("pdftoppm"))) if not found]
    if missing:
        reason = f"PDF TEST SKIPPED: {', '.join(missing)} not installed (pip install -e '.[pdf]'; apt poppler-utils)"
        if os.environ.get("LEGALCHECK_REQUIRE_PDF") == "1":
            pytest.fail(reason.replace("SKIPPED", "FAILED") + " and LEGALCHECK_REQUIRE_PDF=1")
        warnings.warn(reason, UserWarning, stacklevel=1)
        pytest.skip(reason)
    output = tmp_path_factory.mktemp("pdf") / "report.pdf"
    result = CliRunner().invoke(cli, ["check", *(str(EXAMPLES / name) for name in CASES), "--format", "pdf",
                                      "--engine", "native", "--as-of", "2025-12-01", "--output", str(output)])
    assert result.exit_code == 1, result.output
    return output


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.split("\f")[:-1]


def _first_line(page: str) -> str:
    return next(line.strip() for line in page.splitlines() if line.strip())


def test_pdf_starts_each_case_and_the_appendix_on_a_page(pdf: Path) -> None:
    assert pdf.read_bytes().startswith(b"%PDF")
    firsts = [_first_line(page) for page in _pages(pdf)]
    assert firsts[0] == "信访事项程序合规检查报告"
    assert "2. 案件 LJ-HX-2025-0402" in firsts  # the second case starts a page
    assert firsts.index("附录：核查信息") > firsts.index("2. 案件 LJ-HX-2025-0402")  # the appendix comes last


def test_two_cases_fit_four_a4_pages_and_a_short_appendix(pdf: Path) -> None:
    """The issue's budget, as Chromium prints it: the two cases on at most four pages, the appendix after."""
    pages = _pages(pdf)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    count = re.search(r"^Pages:\s+(\d+)$", info, flags=re.M)
    assert count is not None and int(count[1]) == len(pages) and "(A4)" in info
    body = [_first_line(page) for page in pages].index("附录：核查信息")
    assert 2 <= body <= 4, f"the two cases take {body} A4 pages"
    assert 1 <= len(pages) - body <= 2, f"the appendix takes {len(pages) - body} pages"
    # The folded deadline arithmetic is not printed (as in a browser); the line stating the period is.
    text = re.sub(r"\s+", "", "".join(pages[:body]))
    assert "计算步骤" not in text and "起算日2025年6月3日不计入" not in text
    assert "期限计算15日，自2025年6月3日起算，至2025年6月18日届满；实际完成日为2025年6月20日，逾期2日" in text


def test_pdf_chinese_text_is_extractable(pdf: Path) -> None:
    text = re.sub(r"\s+", "", "".join(_pages(pdf)))
    assert "临江市河西区信访局于2025年6月3日收到信访事项，应当在15日内转送或者交办。" in text
    assert "第1项事件（收到，2025年6月3日，临江市河西区信访局）" in text
    assert "各级党委和政府信访部门收到信访事项，应当予以登记" in text  # the article quoted


def test_pdf_tables_are_not_clipped(pdf: Path) -> None:
    """Every word lies inside its page, and the rule ids of the summary are whole."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    for page in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, flags=re.S):
        width, height, words = float(page[0]), float(page[1]), page[2]
        for x_max, y_max, word in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" '
                                             r'yMax="([\d.]+)">([^<]*)</word>', words):
            assert float(x_max) <= width + 0.5 and float(y_max) <= height + 0.5, f"{word!r} outside its page"
    text = "".join(_pages(pdf))
    for rule_id in ("LC1003", "LC1007", "LC2023", "LC2026"):
        assert rule_id in text


def test_pdf_pages_render_to_images(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 2 and all(image.stat().st_size > 5_000 for image in images)
