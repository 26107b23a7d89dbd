"""Bad input is reported where it is: file, line, column, field path, and a "did you mean".

Every message is tested word for word: an operator reads them, and scripts grep them.
Case files, rule directories and calendar files all get the same treatment, and the
CLI turns any of them into exit code 2 without a traceback.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from legalcheck import CaseError, Evaluator, InputError
from legalcheck._cli import main
from legalcheck._core.errors import CalendarDataError, RuleError
from legalcheck._core.paths import data_dir
from legalcheck._core.safe_yaml import parse_json, parse_yaml
from legalcheck._model.loader import MAX_PROBLEMS, case_from_json, iter_cases, load_case

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "examples" / "_agencies.yaml"

GOOD_YAML = f"""\
id: LJ-2025-0001
agency_registry: {REGISTRY}
petitioners:
  - {{name: 陈秀英, address: 临江市河西区滨江路88号}}
channel: online
category: complaint
events:
  - {{kind: received, date: 2025-06-03, agency: hx-pb, via: direct}}
  - {{kind: registered, date: 2025-06-03, agency: hx-pb}}
  - kind: forwarded
    date: 2025-06-20
    agency: hx-pb
    to: hx-housing
"""


def problems_of(path: Path) -> list[str]:
    """Every problem ``path`` is rejected for, as ``file:line:col: field: message`` lines."""
    with pytest.raises(InputError) as info:
        load_case(path)
    return [f"{loc}: {message}" for loc, message in ((p.location, p.message) for p in info.value.problems)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_good_case_loads(tmp_path: Path) -> None:
    case = load_case(write(tmp_path, "a.yaml", GOOD_YAML))
    assert case.id == "LJ-2025-0001" and len(case.events) == 3


# --- syntax ------------------------------------------------------------------------------------


def test_yaml_syntax_error_has_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("channel: online", "channel: online: web"))
    assert problems_of(path) == [f"{path}:5:16: YAML syntax error: mapping values are not allowed in this context"]


def test_unclosed_bracket_points_at_where_it_opened_not_at_the_end_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("registered, date: 2025-06-03, agency: hx-pb}",
                                                       "registered, date: 2025-06-03, agency: hx-pb"))
    # The parser notices on the next line; the message says where the brace was opened.
    assert problems_of(path) == [
        f"{path}:10:9: YAML syntax error: did not find expected ',' or '}}' "
        f"(while parsing a flow mapping that starts at line 9, column 5)"]


def test_unclosed_bracket_at_the_end_points_at_where_it_opened(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML + "representatives: [甲, 乙\n")
    assert problems_of(path) == [
        f"{path}:14:18: YAML syntax error: did not find expected ',' or ']' "
        f"(while parsing a flow sequence that starts at line 14, column 18)"]


def test_json_syntax_error_has_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", '{\n  "id": "x",\n  "channel": letter\n}\n')
    assert problems_of(path) == [f"{path}:3:14: JSON syntax error: Expecting value"]


def test_yaml_with_two_documents_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML + "---\nid: second\n")
    assert problems_of(path) == [
        f"{path}:14:1: YAML syntax error: but found another document "
        f"(expected a single document in the stream that starts at line 1, column 1)"]


def test_not_utf8_names_line_column_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    data = GOOD_YAML.encode("utf-8").replace(b"category: complaint", b"category: compl\xe4int")
    path.write_bytes(data)
    offset = data.index(b"compl\xe4") + len("compl")
    assert problems_of(path) == [f"{path}:6:16: not UTF-8 text (byte 0xe4 at offset {offset})"]


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_YAML.encode("utf-8"))
    assert load_case(path).id == "LJ-2025-0001"


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "- just\n- a list\n")
    assert problems_of(path) == [f"{path}:1:1: a case file must be a mapping at the top level"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaseError) as info:
        load_case(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: no such file or directory"


# --- validation: value, line, column, field path ------------------------------------------------


def test_invalid_date_points_at_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("date: 2025-06-20", "date: 2025-02-30"))
    assert problems_of(path) == [f"{path}:11:11: events[2].date: invalid date '2025-02-30' (expected YYYY-MM-DD or 2025年4月7日)"]


def test_invalid_date_in_a_flow_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("registered, date: 2025-06-03", "registered, date: 2025-6-3"))
    assert problems_of(path) == [f"{path}:9:30: events[1].date: invalid date '2025-6-3' (expected YYYY-MM-DD or 2025年4月7日)"]


def test_missing_field_points_at_the_mapping_that_lacks_it(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("    to: hx-housing\n", ""))
    assert problems_of(path) == [f"{path}:10:5: events[2].to: required field is missing"]


def test_wrong_type_says_what_it_got(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("channel: online", "channel: online\nheadcount: many"))
    assert problems_of(path) == [f"{path}:6:12: headcount: expected a whole number (got 'many')"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (GOOD_YAML.replace("date: 2025-06-20", "date: 2025-02-30")
            .replace("channel: online", "channel: onlin").replace("    to: hx-housing\n", ""))
    path = write(tmp_path, "a.yaml", text)
    assert problems_of(path) == [
        f"{path}:5:10: channel: 'onlin' is not one of letter, online, phone, fax, email, visit; did you mean 'online'?",
        f"{path}:11:11: events[2].date: invalid date '2025-02-30' (expected YYYY-MM-DD or 2025年4月7日)",
        f"{path}:10:5: events[2].to: required field is missing",
    ]


def test_a_file_with_thousands_of_problems_reports_a_bounded_number(tmp_path: Path) -> None:
    events = "".join("  - {kind: registered, date: 2025-13-01, agency: hx-pb}\n" for _ in range(200))
    path = write(tmp_path, "a.yaml", GOOD_YAML.split("events:")[0] + "events:\n" + events)
    problems = problems_of(path)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == f"{path}: ... and {200 - MAX_PROBLEMS} more problems"


# --- did you mean --------------------------------------------------------------------------------


def test_misspelt_event_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("kind: registered", "kind: registerd"))
    assert problems_of(path) == [f"{path}:9:12: events[1].kind: unknown event kind 'registerd'; "
                                 f"did you mean 'registered'?"]


def test_event_without_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("{kind: registered, ", "{"))
    assert problems_of(path) == [f"{path}:9:5: events[1]: event has no 'kind' (received, registered, forwarded, ...)"]


def test_misspelt_key_inside_an_event_suggests_that_events_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("    to: hx-housing\n", "    to: hx-housing\n    nte: x\n"))
    assert problems_of(path) == [f"{path}:14:5: events[2].nte: unknown key 'nte'; did you mean 'note'?"]


def test_key_suggestions_come_from_the_keys_valid_at_that_place(tmp_path: Path) -> None:
    # "agency" is a key of every event, so a global list would "suggest" the misspelling itself;
    # at the top level of a case the key meant is "agencies".
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("channel: online", "channel: online\nagency: []"))
    assert problems_of(path) == [f"{path}:6:1: agency: unknown key 'agency'; did you mean 'agencies'?"]


def test_misspelt_key_in_a_nested_model(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("channel: online", "channel: online\nflags: {complx: true}"))
    assert problems_of(path) == [f"{path}:6:9: flags.complx: unknown key 'complx'; did you mean 'complex'?"]


def test_key_far_from_any_valid_one_gets_no_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("channel: online", "channel: online\nzzz: 1"))
    assert problems_of(path) == [f"{path}:6:1: zzz: unknown key 'zzz'"]


def test_misspelt_enumerated_value(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("category: complaint", "category: complant"))
    assert problems_of(path) == [f"{path}:6:11: category: 'complant' is not one of suggestion, accusation, "
                                 f"complaint; did you mean 'complaint'?"]


def test_unknown_agency_suggests_a_known_one(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("to: hx-housing", "to: hx-housng"))
    assert problems_of(path) == [f"{path}:13:9: events[2].to: unknown agency 'hx-housng'; did you mean 'hx-housing'?"]


def test_missing_agency_registry(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace(str(REGISTRY), "nowhere.yaml"))
    assert problems_of(path) == [f"{path}:2:18: agency_registry: agency registry not found: {tmp_path / 'nowhere.yaml'}"]


def test_errors_inside_the_agency_registry_point_into_the_registry(tmp_path: Path) -> None:
    registry = write(tmp_path, "_agencies.yaml", "schema: legalcheck/agencies/1\nagencies:\n"
                                                 "  - {id: hx-pb, name: 信访局, level: county, kind: petition_bureau}\n"
                                                 "  - {id: hx-housing, name: 住建局, levle: county, kind: other}\n")
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace(str(REGISTRY), "_agencies.yaml"))
    assert problems_of(path) == [
        f"{registry}:4:5: agencies[1].level: required field is missing",
        f"{registry}:4:33: agencies[1].levle: unknown key 'levle'; did you mean 'level'?",
    ]


# --- JSON and JSON Lines ---------------------------------------------------------------------------


def test_json_validation_errors_have_line_and_column(tmp_path: Path) -> None:
    document = {"id": "x", "agency_registry": str(REGISTRY), "channel": "letter", "category": "complaint",
                "events": [{"kind": "received", "date": "2025-02-30", "agency": "hx-pb"}]}
    path = write(tmp_path, "a.json", json.dumps(document, indent=2))
    assert problems_of(path) == [f"{path}:9:15: events[0].date: invalid date '2025-02-30' (expected YYYY-MM-DD or 2025年4月7日)"]


def test_jsonl_errors_name_the_line_of_the_file(tmp_path: Path) -> None:
    good = {"id": "a", "agency_registry": str(REGISTRY), "channel": "letter", "category": "complaint",
            "events": [{"kind": "received", "date": "2025-03-03", "agency": "hx-pb"}]}
    bad = dict(good, id="b", events=[{"kind": "received", "date": "2025-03-33", "agency": "hx-pb"}])
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join([json.dumps(good), "", json.dumps(bad), '{"id": "c",', json.dumps(good)]) + "\n",
                    encoding="utf-8")
    items = list(iter_cases([path]))
    assert [item.source for item in items] == [f"{path}:1", f"{path}:3", f"{path}:4", f"{path}:5"]
    assert [item.case is not None for item in items] == [True, False, False, True]
    column = json.dumps(bad).index('"2025-03-33"') + 1
    assert [str(item.error) for item in items if item.error] == [
        f"{path}:3:{column}: events[0].date: invalid date '2025-03-33' (expected YYYY-MM-DD or 2025年4月7日)",
        f"{path}:4:12: JSON syntax error: Expecting property name enclosed in double quotes",
    ]


def test_json_fast_path_and_slow_path_agree(tmp_path: Path) -> None:
    text = GOOD_YAML  # a YAML document, converted: the same case must come out of both paths
    from legalcheck._model.loader import case_from_document

    doc = parse_yaml(text, "a.yaml")
    assert case_from_json(json.dumps(doc.data), "a.json") == case_from_document(doc)


# --- the CLI: exit code 2, no traceback ------------------------------------------------------------


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["legalcheck", *args])
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(SystemExit) as info:
        main()
    captured = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


def test_cli_bad_case_exits_2_with_the_location_and_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "a.yaml", GOOD_YAML.replace("date: 2025-06-20", "date: 2025-02-30"))
    code, out, err = run_cli(["check", str(path), "--engine", "native", "--as-of", "2025-12-01", "--lang", "en"],
                             capsys, monkeypatch)
    assert code == 2
    assert out.splitlines() == [
        f"{path}:11:11: events[2].date: input error: invalid date '2025-02-30' (expected YYYY-MM-DD or 2025年4月7日)",
        "1 case(s): 0 checked, 1 could not be read; 0 violation(s)",
        "could not be read: 1 invalid date",
    ]
    assert "Traceback" not in out + err


def test_cli_bad_calendar_file_exits_2_naming_file_line_and_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    calendar = write(tmp_path, "cn-2027.yaml", "schema: legalcheck/calendar/1\n"
                                               "source: {title: t, url_or_document_number: n, published: 2026-11-01}\n"
                                               "years:\n  2027:\n    replace: true\n    rest_days:\n"
                                               "      - {date: 2027-01-01, name: 元旦}\n"
                                               "      - {date: 2027-02-30, name: 春节}\n")
    case = write(tmp_path, "a.yaml", GOOD_YAML)
    code, out, err = run_cli(["check", str(case), "--engine", "native", "--calendar", str(calendar)],
                             capsys, monkeypatch)
    assert code == 2
    assert out == ""
    assert err.splitlines() == [f"{calendar}:8:16: years.2027.rest_days[1].date: 2027-02-30 is not a calendar date"]


def test_cli_calendar_file_with_a_python_tag_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    calendar = write(tmp_path, "cn-2027.yaml", "schema: !!python/object/apply:os.getcwd []\n")
    code, out, err = run_cli(["check", str(write(tmp_path, "a.yaml", GOOD_YAML)), "--engine", "native",
                              "--calendar", str(calendar)], capsys, monkeypatch)
    assert code == 2
    assert err.splitlines() == [
        f"{calendar}:1:9: schema: YAML tag '!!python/object/apply:os.getcwd' is not allowed: these files hold "
        f"plain data only (mappings, lists, text, numbers, true/false, null)"]


# --- rule directories -------------------------------------------------------------------------------


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), target)
    return target


def _rule_file(rules: Path, prefix: str) -> Path:
    return next(rules.glob(f"*/{prefix}-*.yaml"))


def test_bad_rule_yaml_syntax_is_a_located_error(rules_copy: Path, tmp_path: Path) -> None:
    path = _rule_file(rules_copy, "LC1003")
    path.write_text(path.read_text(encoding="utf-8").replace("severity: violation", "severity: [violation"),
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        Evaluator(engine="native", rules_dir=rules_copy, packs_dir=tmp_path / "no-packs")
    [(location, message)] = [(p.location, p.message) for p in info.value.problems]
    line = next(i for i, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "[violation" in l)
    # libyaml notices on the next line (the ":" of the next key); the message says where "[" was opened.
    assert (location.file, location.line, location.column) == (str(path), line + 1, 15)
    assert message == ("YAML syntax error: did not find expected ',' or ']' "
                       f"(while parsing a flow sequence that starts at line {line}, column 11)")


def test_misspelt_rule_key_names_file_line_field_and_suggestion(rules_copy: Path, tmp_path: Path) -> None:
    path = _rule_file(rules_copy, "LC1003")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("effective_from: 2022-05-01", "efective_from: 2022-05-01"), encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("effective_from"))
    with pytest.raises(RuleError) as info:
        Evaluator(engine="native", rules_dir=rules_copy, packs_dir=tmp_path / "no-packs")
    assert [f"{loc}: {message}" for loc, message in ((p.location, p.message) for p in info.value.problems)] == [
        f"{path}:1:1: effective_from: required field is missing",
        f"{path}:{line}:16: efective_from: unknown key 'efective_from'; did you mean 'effective_from'?",
    ]


def test_rule_with_a_python_tag_is_refused_before_anything_is_constructed(rules_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = _rule_file(rules_copy, "LC1003")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "severity: violation", f"severity: !!python/object/apply:os.mkdir [{str(marker)!r}]"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        Evaluator(engine="native", rules_dir=rules_copy, packs_dir=tmp_path / "no-packs")
    [(location, message)] = [(p.location, p.message) for p in info.value.problems]
    assert (location.file, location.line, location.field) == (str(path), 6, "severity")
    assert message.startswith("YAML tag '!!python/object/apply:os.mkdir' is not allowed")
    assert not marker.exists()


def test_bad_calendar_file_through_the_library(tmp_path: Path) -> None:
    calendar = write(tmp_path, "c.yaml", "schema: legalcheck/calendar/1\nsource: [unclosed\n")
    with pytest.raises(CalendarDataError) as info:
        Evaluator(engine="native", calendar_files=[calendar])
    assert str(info.value) == (f"{calendar}:2:9: YAML syntax error: did not find expected ',' or ']' "
                               f"(while parsing a flow sequence that starts at line 2, column 9)")


def test_parse_json_reports_lines_inside_a_jsonl_file() -> None:
    with pytest.raises(InputError) as info:
        parse_json('{"id": }', "x.jsonl", line_offset=41)
    assert str(info.value) == "x.jsonl:42:8: JSON syntax error: Expecting value"
