"""Redaction: no name, ID-card number, phone number or address from the input survives in any format."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from legalcheck import Evaluator
from legalcheck._batch.pool import BatchItem
from legalcheck._cli import cli
from legalcheck._core.errors import CaseError, Location
from legalcheck._core.paths import data_dir
from legalcheck._law.rules import load_ruleset
from legalcheck._model.case import Case
from legalcheck._model.findings import FieldRef
from legalcheck._report.redact import LANDLINE, MOBILE, Masker, redact_item

FORMATS = ("text", "json", "jsonl", "markdown", "html")
AS_OF = "2025-12-01"

NAME, ID_NUMBER, MOBILE_NUMBER, ADDRESS = "张三丰", "11010119900307123X", "13800138000", "临江市河西区滨江路88号3栋502室"
COMPANY, LANDLINE_NUMBER, COMPANY_ADDRESS = "临江市某某商贸有限公司", "010-62345678", "临江市河西区工业园1号"
REPRESENTATIVE, STAFF, ACCUSED, OTHER_ID = "王小二", "赵六", "李四", "44030419851231002x"
PERSONAL = (NAME, ID_NUMBER, MOBILE_NUMBER, ADDRESS, COMPANY, LANDLINE_NUMBER, "62345678", COMPANY_ADDRESS,
            REPRESENTATIVE, STAFF, ACCUSED, OTHER_ID, OTHER_ID.upper(), "138 0013 8000", "0013")

# An accusation (检举控告) whose petitioners, staff and accused are all named, with their data
# repeated in free text: the title, the content, notes, an objection's reasons.
ACCUSATION: dict[str, Any] = {
    "id": f"JB-2025-{NAME}-01",
    "title": f"{NAME}举报{ACCUSED}违规收费",
    "category": "accusation",
    "channel": "letter",
    "petitioners": [
        {"name": NAME, "address": ADDRESS, "id_number": ID_NUMBER, "phone": "138-0013-8000"},
        {"name": COMPANY, "organization": True, "address": COMPANY_ADDRESS, "phone": LANDLINE_NUMBER},
    ],
    "representatives": [NAME, REPRESENTATIVE],
    "accused": {"persons": [ACCUSED]},
    "staff_interests": [{"person": STAFF, "agency": "pb", "direct_interest": True}],
    "content": {
        "request": f"查处{ACCUSED}违规收费。联系人{NAME}，电话{MOBILE_NUMBER}，身份证{ID_NUMBER}，住{ADDRESS}",
        "facts": f"座机(010)62345678；{REPRESENTATIVE}的证件号 {OTHER_ID}；{COMPANY}出具证明",
        "reasons": f"{COMPANY_ADDRESS}附近多人受害",
    },
    "agencies": [
        {"id": "pb", "name": "河西区信访局", "level": "county", "kind": "petition_bureau"},
        {"id": "cdi", "name": "河西区纪委监委", "level": "county", "kind": "discipline_inspection"},
        {"id": "hrss", "name": "河西区人社局", "level": "county", "kind": "other"},
    ],
    "events": [
        {"kind": "received", "date": "2025-03-03", "agency": "pb", "note": f"{NAME}来信，附手机 +86 138 0013 8000"},
        {"kind": "recusal", "date": "2025-03-04", "agency": "pb", "person": STAFF},
        {"kind": "disclosed", "date": "2025-03-05", "agency": "pb", "to_person": ACCUSED,
         "note": f"{STAFF}将材料转给{ACCUSED}"},
        {"kind": "forwarded", "date": "2025-03-06", "agency": "pb", "to": "hrss"},
        {"kind": "received", "date": "2025-03-07", "agency": "hrss", "via": "forwarded", "from_agency": "pb"},
        {"kind": "objection", "date": "2025-03-08", "agency": "hrss", "to": "pb",
         "reasons": f"本局无权处理；{NAME}电话{MOBILE_NUMBER}"},
        {"kind": "forwarded", "date": "2025-03-25", "agency": "pb", "to": "cdi"},
    ],
}


def leaks(output: str) -> list[str]:
    """Personal values found in ``output``, as written or HTML-escaped."""
    return [value for value in PERSONAL if value in output or html.escape(value) in output]


@pytest.fixture(scope="module")
def case_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The file name carries the petitioner's name too: the source path is printed by every format.
    path = tmp_path_factory.mktemp("redact") / f"{NAME}-举报.yaml"
    path.write_text(yaml.safe_dump(ACCUSATION, allow_unicode=True), encoding="utf-8")
    return path


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["check", *args, "--engine", "native", "--jobs", "1", "--as-of", AS_OF])
    assert result.exit_code in (0, 1, 2), result.output
    return result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_personal_value_survives_in_any_format(case_file: Path, fmt: str) -> None:
    for lang in ("zh", "en"):
        output = run(str(case_file), "--format", fmt, "--lang", lang, "--redact")
        assert "LC2016" in output  # the report is there (disclosure to the accused), only masked
        assert leaks(output) == [], f"{fmt}/{lang}"
        assert "河西区信访局" in output  # agencies are kept


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_without_redact_the_values_are_there(case_file: Path, fmt: str) -> None:
    """The leak check has teeth: the same case unredacted shows the petitioner's data."""
    output = run(str(case_file), "--format", fmt)
    assert {NAME, MOBILE_NUMBER, ID_NUMBER, ACCUSED} <= set(leaks(output))


def test_redacted_item_is_a_consistent_case(case_file: Path, native: Evaluator) -> None:
    case = Case.model_validate_json(json.dumps(ACCUSATION))
    report = native.check(case, as_of=dt.date(2025, 12, 1), source=str(case_file))
    item = redact_item(BatchItem(str(case_file), report=report, case=case))
    assert item.case is not None and item.report is not None
    dumped = item.case.model_dump_json() + item.report.model_dump_json() + item.source
    assert leaks(dumped) == []
    masked = item.case
    # Still a valid case, with the same structure, dates and agencies.
    assert Case.model_validate_json(masked.model_dump_json(by_alias=True)) == masked
    assert [e.date for e in masked.events] == [e.date for e in case.events] and masked.agencies == case.agencies
    # One token per value wherever it recurs: the person the materials went to is visibly the accused.
    assert masked.petitioners[0].name == "〔信访人1〕" and masked.representatives[0] == "〔信访人1〕"
    assert masked.petitioners[1].name == "〔信访人2〕"  # an organisation, but the accuser in an accusation
    assert masked.accused.persons == ("〔被反映人1〕",)
    assert masked.events[2].to_person == "〔被反映人1〕"
    assert masked.events[1].person == masked.staff_interests[0].person == "〔工作人员1〕"
    assert masked.petitioners[0].phone == "〔电话1〕" and "〔电话1〕" in (masked.events[0].note or "")
    assert masked.petitioners[0].id_number == "〔身份证号1〕" and "〔身份证号1〕" in (masked.content.request or "")
    assert masked.id == "JB-2025-〔信访人1〕-01" and item.report.case_id == masked.id
    # Findings are unchanged but for their text.
    assert [f.rule_id for f in item.report.findings] == [f.rule_id for f in report.findings]
    assert item.report.counts == report.counts


def test_masking_is_deterministic(case_file: Path, native: Evaluator) -> None:
    case = Case.model_validate_json(json.dumps(ACCUSATION))
    report = native.check(case, as_of=dt.date(2025, 12, 1), source=str(case_file))
    item = BatchItem(str(case_file), report=report, case=case)
    first, second = redact_item(item), redact_item(item)
    assert first == second
    assert run(str(case_file), "--format", "html", "--redact") == run(str(case_file), "--format", "html", "--redact")


def test_organisation_name_kept_outside_accusations() -> None:
    data = {**ACCUSATION, "category": "complaint"}
    item = redact_item(BatchItem("x.yaml", case=Case.model_validate_json(json.dumps(data))))
    assert item.case is not None
    assert item.case.petitioners[1].name == COMPANY  # not personal data when it is not an accuser
    assert item.case.petitioners[1].phone == "〔电话2〕" and item.case.petitioners[0].name == "〔信访人1〕"


def test_person_fields_of_a_finding_are_masked_without_the_case(native: Evaluator) -> None:
    """A report handed over without its case still loses the staff names its field values carry."""
    case = Case.model_validate_json(json.dumps(ACCUSATION))
    report = native.check(case, as_of=dt.date(2025, 12, 1))
    finding = report.findings[0].model_copy(update={"fields": (FieldRef(path="events[2].to_person", value=ACCUSED),
                                                               FieldRef(path="events[1].person", value=STAFF))})
    report = report.model_copy(update={"findings": (finding,)})
    masked = redact_item(BatchItem("x.yaml", report=report))
    assert masked.report is not None
    assert [f.value for f in masked.report.findings[0].fields] == ["〔人员1〕", "〔人员2〕"]


def test_error_messages_are_masked() -> None:
    """A rejected file has no case to learn names from, but numbers quoted in its errors are masked."""
    error = CaseError([(Location("/cases/a.yaml", 3, 5, "petitioners[0].phone"),
                        f"Input should be a valid string (got {MOBILE_NUMBER}); id {ID_NUMBER}")])
    masked = redact_item(BatchItem("/cases/a.yaml", error=error))
    assert isinstance(masked.error, CaseError)
    (location, message), = [(p.location, p.message) for p in masked.error.problems]
    assert location == Location("/cases/a.yaml", 3, 5, "petitioners[0].phone")
    assert leaks(message) == [] and "〔电话1〕" in message and "〔身份证号1〕" in message


@pytest.mark.parametrize(("text", "masked"), [
    ("电话13912345678。", "电话〔电话1〕。"),
    ("+86 139-1234-5678", "〔电话1〕"),
    ("座机0571-88889999转8", "座机〔电话1〕转8"),
    ("（0571）88889999", "〔电话1〕"),
    ("身份证号11010519491231002X，", "身份证号〔身份证号1〕，"),
    ("金额12000000元，日期2025-03-03，共138人", "金额12000000元，日期2025-03-03，共138人"),
    ("hash 5f6fe2127138001380001e1248116f93bb5edf7e792debf50076",
     "hash 5f6fe2127138001380001e1248116f93bb5edf7e792debf50076"),  # digits inside a hash are no phone
])
def test_number_patterns(text: str, masked: str) -> None:
    assert Masker().text(text) == masked


_cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
# Text that is in the output whatever the name: the rules' own messages, the mask tokens' labels
# and this test's template words. A random two-character name may be one of their words (身份, 电话).
_FIXED_TEXT = ("".join(r.rule.message.zh for r in load_ruleset(data_dir("rules"), data_dir("packs")).rules)
               + "〔信访人身份证号住址电话人员〕" + "住电话或某市路号")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(_cjk, min_size=2, max_size=4), street=st.text(_cjk, min_size=3, max_size=8),
       mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       id_number=st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True),
       landline=st.from_regex(r"0[1-9][0-9]{1,2}-[2-8][0-9]{6,7}", fullmatch=True))
def test_generated_personal_data_never_survives(native: Evaluator, name: str, street: str, mobile: str,
                                                id_number: str, landline: str) -> None:
    assume(name not in _FIXED_TEXT)
    # A random name may also be a word of the report's fixed wording (起算, 届满): the same report
    # for a name of Latin letters shows what is there whatever the name.
    assume(name not in _redacted_dump(native, "Q", street, mobile, id_number, landline))
    dumped = _redacted_dump(native, name, street, mobile, id_number, landline)
    for value in (name, f"某市{street}路1号", id_number, mobile, landline, landline.replace("-", "")):
        assert value not in dumped
    assert MOBILE.search(dumped) is None and LANDLINE.search(dumped) is None


def _redacted_dump(native: Evaluator, name: str, street: str, mobile: str, id_number: str, landline: str) -> str:
    """The redacted case, report (but the law's and the rules' own words) and source of a generated case."""
    address = f"某市{street}路1号"
    data = {
        "id": f"case-{name}", "channel": "letter", "category": "accusation",
        "petitioners": [{"name": name, "address": address, "id_number": id_number, "phone": mobile}],
        "content": {"request": f"{name}（{id_number}）住{address}，电话{mobile}或{landline}"},
        "agencies": [{"id": "pb", "name": "县信访局", "level": "county", "kind": "petition_bureau"}],
        "events": [{"kind": "received", "date": "2025-03-03", "agency": "pb", "note": f"{name} {mobile}"}],
    }
    case = Case.model_validate_json(json.dumps(data))
    report = native.check(case, as_of=dt.date(2025, 12, 1), source=f"/in/{name}.yaml")
    item = redact_item(BatchItem(f"/in/{name}.yaml", report=report, case=case))
    assert item.case is not None and item.report is not None
    # The law's and the rules' own words are left alone (a random name may be a word of the law).
    own_words = {"readings": True, "findings": {"__all__": {"citations", "liability", "title", "grounds"}},
                 "pending": {"__all__": {"citations", "title"}}}
    return (item.case.model_dump_json() + item.report.model_dump_json(exclude=own_words)  # type: ignore[arg-type]
            + item.source)
