"""Case input from every source, through one validation: paths, dicts, JSON and YAML text, bytes;
registries inline, by path, as data or as an object; Chinese labels and dates; coded errors in
either language; registries recognised by content; ``legalcheck init`` and ``legalcheck schema``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings

import legalcheck
from case_generator import cases
from legalcheck import PROBLEM_CODES, AgencyRegistry, Case, CaseError, Location, Problem
from legalcheck._batch.pool import BatchOptions, Summary, check_paths
from legalcheck._cli import cli
from legalcheck._core.errors import problem_codes
from legalcheck._model import loader
from legalcheck._model.case import EVENT_CLASSES, EVENT_KINDS
from legalcheck._model.fields import build_parse_table, field_names, parse_table

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REGISTRY = EXAMPLES / "_agencies.yaml"
EXAMPLE_FILES = sorted(EXAMPLES.glob("[!_]*.yaml"))


def _raw(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))  # dates become datetime.date
    return data


# --- 1. one loader for every source ------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_source_gives_the_same_case(path: Path) -> None:
    from_file = legalcheck.load_case(path)
    text = path.read_text(encoding="utf-8")
    as_json = json.dumps(_raw(path), ensure_ascii=False, default=str)
    assert legalcheck.load_case(str(path)) == from_file
    assert legalcheck.load_case(_raw(path), base_dir=EXAMPLES) == from_file
    assert legalcheck.load_case(text, base_dir=EXAMPLES) == from_file
    assert legalcheck.load_case(text.encode("utf-8"), base_dir=EXAMPLES) == from_file
    assert legalcheck.load_case(as_json, base_dir=EXAMPLES) == from_file
    assert legalcheck.load_case(as_json.encode("utf-8"), base_dir=EXAMPLES) == from_file


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_a_case_round_trips_through_its_own_json(path: Path) -> None:
    case = legalcheck.load_case(path)
    dumped = case.model_dump_json()
    assert '"schema_"' not in dumped and case.agency_registry is None  # the registry is merged in
    assert legalcheck.load_case(dumped) == case
    assert legalcheck.load_case(json.loads(dumped)) == case
    assert legalcheck.load_case(case) == case


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=cases())
def test_generated_cases_round_trip(data: dict[str, Any]) -> None:
    try:
        case = legalcheck.load_case(data)
    except CaseError:
        assume(False)
        return
    assert legalcheck.load_case(case.model_dump_json()) == case
    assert legalcheck.load_case(case.model_dump_json().encode()) == case


def test_the_same_report_from_a_dict_a_json_string_and_a_yaml_file() -> None:
    path = EXAMPLES / "violating-late-forward.yaml"
    as_of = dt.date(2025, 12, 1)
    reports = [legalcheck.check(legalcheck.load_case(source, base_dir=EXAMPLES), as_of=as_of, engine="native")
               for source in (path, _raw(path), json.dumps(_raw(path), default=str, ensure_ascii=False))]
    assert reports[0].findings and reports[0] == reports[1] == reports[2]


def _bad_date_sources(tmp_path: Path) -> dict[str, Any]:
    data = _raw(EXAMPLES / "violating-late-forward.yaml")
    data["agency_registry"] = str(REGISTRY)
    data["events"][1]["date"] = "2025-02-30"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    as_json = json.dumps(data, default=str, ensure_ascii=False, indent=1)
    return {"dict": data, "yaml text": text, "yaml file": tmp_path / "bad.yaml", "json text": as_json,
            "json bytes": as_json.encode()}


def test_the_same_invalid_data_gives_the_same_coded_error_through_every_route(tmp_path: Path) -> None:
    seen = {}
    for route, source in _bad_date_sources(tmp_path).items():
        with pytest.raises(CaseError) as info:
            legalcheck.load_case(source)
        (problem,) = info.value.problems
        seen[route] = (problem.code, problem.location.field, problem.message)
        assert (problem.location.line is None) == (route == "dict"), route  # lines wherever there is text
    assert set(seen.values()) == {("bad-date", "events[1].date", "invalid date '2025-02-30' (expected YYYY-MM-DD "
                                                                 "or 2025年4月7日)")}


def test_a_registry_inline_by_path_as_data_or_as_an_object_gives_one_case() -> None:
    data = _raw(EXAMPLES / "compliant-direct-letter.yaml")
    del data["agency_registry"]
    registry = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    expected = legalcheck.load_case(EXAMPLES / "compliant-direct-letter.yaml")
    assert legalcheck.load_case(data, registry=REGISTRY) == expected
    assert legalcheck.load_case(data, registry=str(REGISTRY)) == expected
    assert legalcheck.load_case(data, registry=registry) == expected
    assert legalcheck.load_case(data, registry=AgencyRegistry.model_validate_json(json.dumps(registry))) == expected
    assert legalcheck.load_case({**data, "agencies": registry["agencies"]}) == expected


def test_every_route_names_an_unknown_agency() -> None:
    data = _raw(EXAMPLES / "compliant-direct-letter.yaml")
    del data["agency_registry"]
    registry = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    registry["agencies"] = [a for a in registry["agencies"] if a["id"] != data["events"][0]["agency"]]
    for supplied in (registry, AgencyRegistry.model_validate_json(json.dumps(registry))):
        with pytest.raises(CaseError) as info:
            legalcheck.load_case(data, registry=supplied)
        assert "unknown-agency" in info.value.codes
        assert any(p.location.field == "events[0].agency" for p in info.value.problems)


def test_a_bad_registry_given_as_data_is_a_case_error() -> None:
    with pytest.raises(CaseError) as info:
        legalcheck.load_case(_raw(EXAMPLES / "compliant-direct-letter.yaml"),
                             registry={"agencies": [{"id": "x", "name": "某局", "level": "县级局", "kind": "government"}]})
    (problem,) = info.value.problems
    assert (problem.code, problem.location.field) == ("unknown-value", "agencies[0].level")


def test_the_public_surface_exports_the_error_types() -> None:
    for name in ("CaseError", "InputError", "Location", "Problem", "EngineUnavailable", "UnvalidatedCaseError",
                 "PROBLEM_CODES", "AgencyRegistry", "load_case"):
        assert name in legalcheck.__all__ and getattr(legalcheck, name).__doc__ or name == "PROBLEM_CODES", name
    assert "case_from_dict" not in legalcheck.__all__  # load_case takes dicts


def test_an_unsupported_source_is_a_coded_case_error() -> None:
    with pytest.raises(CaseError) as info:
        legalcheck.load_case(42)  # type: ignore[arg-type]
    assert info.value.codes == ("unsupported-source",)


def test_a_registry_merged_into_a_json_case_is_what_a_copy_with_its_agencies_gives(tmp_path: Path) -> None:
    """The JSON path completes a just-validated case in place with its registry's agencies: the case
    must be indistinguishable from ``model_copy(update=...)`` of the same case (fields, fields set,
    equality, hash, its dump)."""
    data = _raw(EXAMPLES / "violating-late-forward.yaml")
    data["agency_registry"] = str(REGISTRY)
    data.pop("agencies", None)
    text = json.dumps(data, default=str, ensure_ascii=False)
    merged = loader.case_from_json(text.encode(), str(tmp_path / "case.json"), base_dir=EXAMPLES)
    registry = AgencyRegistry.model_validate_json(json.dumps(yaml.safe_load(REGISTRY.read_text(encoding="utf-8")),
                                                             default=str))
    copied = Case.model_validate_json(text).model_copy(update={"agencies": registry.agencies,
                                                               "agency_registry": None})
    assert merged.agencies and merged.agency_registry is None
    assert merged == copied and hash(merged) == hash(copied)
    assert merged.model_fields_set == copied.model_fields_set
    assert merged.model_dump_json(exclude_unset=True) == copied.model_dump_json(exclude_unset=True)
    assert merged.agency("hx-pb") is not None


# --- 2. problem codes --------------------------------------------------------------------------


def test_library_users_branch_on_codes_not_messages(tmp_path: Path) -> None:
    """What a case-management system does: turn each problem into a form field's error by its code."""
    data = _raw(EXAMPLES / "violating-late-forward.yaml")
    data["agency_registry"] = str(REGISTRY)
    data["channel"] = "pigeon"
    data["events"][0]["agency"] = "no-such-bureau"
    data["colour"] = "red"
    form_errors: dict[str, str] = {}
    try:
        legalcheck.load_case(data)
    except CaseError as error:
        for problem in error.problems:
            if problem.code == "unknown-field":
                form_errors.setdefault("_form", "remove the extra field")
            elif problem.code == "unknown-value":
                form_errors[str(problem.location.field)] = "choose from the list"
            elif problem.code == "unknown-agency":
                form_errors[str(problem.location.field)] = "pick an agency"
    assert form_errors == {"_form": "remove the extra field", "channel": "choose from the list"}
    del data["colour"]
    data["channel"] = "letter"
    with pytest.raises(CaseError) as info:
        legalcheck.load_case(data)
    assert info.value.codes == ("unknown-agency",) and info.value.problems[0].args["id"] == "'no-such-bureau'"


@pytest.mark.parametrize(("text", "code"), [
    ("id: x\nid: y\nchannel: letter\ncategory: complaint\n", "duplicate-key"),
    ("id: x\nchannel: [letter\n", "yaml-syntax"),
    ('{"id": "x", "channel": }', "json-syntax"),
    ("- a\n- b\n", "not-a-mapping"),
    ("id: x\nchannel: letter\ncategory: complaint\ncolour: red\n", "unknown-field"),
    ("id: x\nchannel: letter\n", "missing-field"),
    ("id: x\nchannel: letter\ncategory: complaint\nevents:\n  - {kind: receivd, date: 2025-04-07, agency: a}\n",
     "unknown-event-kind"),
    ("id: x\nchannel: letter\ncategory: complaint\nevents:\n  - {date: 2025-04-07, agency: a}\n", "missing-kind"),
    ("id: x\nchannel: letter\ncategory: complaint\nevents:\n  - {kind: received, date: 2025-4-7, agency: a}\n",
     "bad-date"),
    ("id: x\nchannel: letter\ncategory: complaint\nheadcount: many\n", "wrong-type"),
    ("id: x\nchannel: letter\ncategory: complaint\nheadcount: 0\n", "out-of-range"),
    ("id: ''\nchannel: letter\ncategory: complaint\n", "bad-length"),
    ("id: x\nchannel: letter\ncategory: complaint\nagencies: [{id: a, name: A, level: county, kind: government}]\n"
     "events:\n  - {kind: hearing, date: 2025-04-07, end: 2025-04-01, agency: a}\n", "date-order"),
    ("id: x\nchannel: letter\ncategory: complaint\nagencies: [{id: a, name: A, level: county, kind: government}]\n"
     "events:\n  - {kind: received, via: forwarded, date: 2025-04-07, agency: a}\n", "missing-origin"),
    ("id: x\nchannel: letter\ncategory: complaint\nevents:\n  - {kind: received, date: 2025-04-07, agency: a}\n",
     "unknown-agency"),
    ("id: x\nchannel: letter\ncategory: complaint\nagency_registry: nowhere.yaml\n", "registry-not-found"),
    ("id: x\nchannel: letter\ncategory: complaint\nagency_registry: /etc/passwd\n", "registry-not-allowed"),
    ("id: x\nchannel: letter\ncategory: complaint\nagencies: [{id: a, name: A, level: county, kind: government},"
     " {id: a, name: B, level: county, kind: government}]\n", "duplicate-agency-id"),
    ("id: x\nchannel: letter\ncategory: complaint\nagencies: [{id: a, name: A, level: county, kind: government}]\n"
     "events:\n  - {id: e, kind: accepted, date: 2025-04-07, agency: a}\n"
     "  - {id: e, kind: accepted, date: 2025-04-08, agency: a}\n", "duplicate-event-id"),
    ("schema: legalcheck/agencies/1\nagencies: []\n", "registry-not-a-case"),
    ("id: x\nchannel: letter\ncategory: complaint\nstatus: !!python/object:os.system x\n", "yaml-tag"),
])
def test_each_problem_has_its_stable_code(text: str, code: str, tmp_path: Path) -> None:
    with pytest.raises(CaseError) as info:
        legalcheck.load_case(text + ("\n" if "\n" not in text else ""), base_dir=tmp_path)
    assert info.value.codes[0] == code, info.value
    assert all(p.code not in ("input-invalid", "invalid-value") for p in info.value.problems)


def test_problem_codes_are_one_table_in_both_languages() -> None:
    assert set(problem_codes()) == set(PROBLEM_CODES)
    for code, kind in PROBLEM_CODES.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code), code
        assert kind.meaning.zh and kind.meaning.en and kind.message.zh and kind.message.en, code
        assert re.search(r"[\u4e00-\u9fff]", kind.meaning.zh), code
    with pytest.raises(ValueError, match="unknown problem code"):
        Problem(Location(), "not-a-code")  # type: ignore[arg-type]


def test_docs_list_every_problem_code_with_both_meanings() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_errors", ROOT / "docs" / "make_errors.py")
    assert spec is not None and spec.loader is not None
    make_errors = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_errors)
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert text == make_errors.page(), "docs/errors.md is stale: PYTHONPATH=src python docs/make_errors.py"
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (.+?) \|", text, re.MULTILINE))
    assert set(rows) == set(PROBLEM_CODES)
    for code, kind in PROBLEM_CODES.items():
        assert f"| `{code}` | {kind.meaning.zh} | {kind.meaning.en} |" in text


def test_the_report_schema_lists_every_problem_code() -> None:
    result = CliRunner().invoke(cli, ["schema", "--report"])
    document = json.loads(result.stdout)
    listed = {entry["const"]: entry["description"] for entry in document["$defs"]["ProblemCode"]["oneOf"]}
    assert listed == {code: f"{k.meaning.zh} / {k.meaning.en}" for code, k in PROBLEM_CODES.items()}


def test_the_batch_summary_counts_codes(tmp_path: Path) -> None:
    good = (EXAMPLES / "compliant-direct-letter.yaml").read_text(encoding="utf-8").replace(
        "agency_registry: _agencies.yaml", f"agency_registry: {REGISTRY}")
    (tmp_path / "a.yaml").write_text(re.sub(r"date: \d{4}-\d\d-\d\d", "date: 2025-02-30", good, count=1),
                                     encoding="utf-8")
    (tmp_path / "b.yaml").write_text(good.replace("channel: letter", "channel: pigeon"), encoding="utf-8")
    (tmp_path / "c.yaml").write_text(good + "colour: red\n", encoding="utf-8")
    (tmp_path / "d.yaml").write_text(good.replace("channel: letter", "channel: 书信"), encoding="utf-8")
    summary = Summary()
    for item in check_paths([tmp_path], BatchOptions(as_of=dt.date(2025, 12, 1), engine="native")):
        summary.add(item)
    assert dict(summary.reasons) == {"bad-date": 1, "unknown-value": 1, "unknown-field": 1}
    assert summary.reasons_text("en") == "could not be read: 1 invalid date, 1 unknown field, 1 value not allowed"
    assert summary.reasons_text("zh") == "无法读取的原因：日期无效（1件）、未知的字段（1件）、取值不在允许范围内（1件）"


# --- 3. Chinese values and dates -----------------------------------------------------------------


def _chinese(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every enumerated value written as its Chinese label and every date as 2025年4月7日."""
    names = field_names()
    labels = {kind: cls.label.zh for kind, cls in zip(EVENT_KINDS, EVENT_CLASSES)}

    def zh(path: str, value: Any) -> Any:
        entry = names.get(path)
        if isinstance(value, str) and entry is not None and value in entry.values:
            return entry.values[value].zh
        return value

    def day(value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            year, month, date = map(int, value.split("-"))
            return f"{year}年{month}月{date}日"
        return value

    out = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    for key in ("channel", "category", "form", "status"):
        if key in out:
            out[key] = zh(key, out[key])
    for agency in out.get("agencies", []):
        for key in ("level", "kind"):
            agency[key] = zh(f"agencies[].{key}", agency[key])
    for event in out.get("events", []):
        kind = event["kind"]
        for key, value in list(event.items()):
            event[key] = day(zh(f"events[{kind}].{key}", value))
        event["kind"] = labels[kind]
    return out


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_a_case_written_in_chinese_is_its_english_twin(path: Path) -> None:
    english = _raw(path)
    chinese = _chinese(english)
    assert chinese != json.loads(json.dumps(english, default=str, ensure_ascii=False))
    assert legalcheck.load_case(chinese, base_dir=EXAMPLES) == legalcheck.load_case(path)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=cases())
def test_generated_cases_in_chinese_load_as_their_english_twins(data: dict[str, Any]) -> None:
    try:
        english = legalcheck.load_case(data)
    except CaseError:
        assume(False)
        return
    twin = legalcheck.load_case(_chinese(data))
    assert twin == english
    assert twin.model_dump_json() == english.model_dump_json()  # dumps are canonical: identifiers, ISO dates


def test_chinese_values_check_the_same_as_english_through_the_cli(tmp_path: Path) -> None:
    english = EXAMPLES / "violating-late-forward.yaml"
    chinese = _chinese(_raw(english))
    chinese["agency_registry"] = str(REGISTRY)
    (tmp_path / "zh.yaml").write_text(yaml.safe_dump(chinese, allow_unicode=True), encoding="utf-8")
    runs = [CliRunner().invoke(cli, ["check", str(p), "--as-of", "2025-12-01", "--format", "json", "--engine",
                                     "native"]) for p in (english, tmp_path / "zh.yaml")]
    assert [r.exit_code for r in runs] == [1, 1]
    findings = [json.loads(r.stdout)["reports"][0]["findings"] for r in runs]
    assert findings[0] and findings[0] == findings[1]


def test_labels_in_text_are_normalised_and_a_nonsense_date_is_still_refused() -> None:
    text = ("id: x\nchannel: 走访\ncategory: 申诉求决类\nform: 口头\nagencies:\n"
            "  - {id: a, name: 某县信访局, level: 县级, kind: 信访部门}\n"
            "events:\n  - {kind: 收到, date: 2025年4月7日, agency: a}\n"
            "  - {kind: 告知, subject: 是否受理, written: true, date: 2025年4月8日, agency: a}\n")
    case = legalcheck.load_case(text)
    assert (case.channel, case.category, case.form) == ("visit", "complaint", "oral")
    assert [e.kind for e in case.events] == ["received", "notified"] and case.events[0].date == dt.date(2025, 4, 7)
    assert '"visit"' in case.model_dump_json() and "走访" not in case.model_dump_json()
    with pytest.raises(CaseError) as info:
        legalcheck.load_case(text.replace("2025年4月7日", "2025年2月30日"))
    assert info.value.codes == ("bad-date",) and info.value.problems[0].location.line == 8


def test_the_parse_table_is_built_from_the_reporters_words() -> None:
    from legalcheck._core.vocabulary import category_label, channel_label

    table = parse_table()
    assert table[channel_label("visit", "zh")] == {"visit"} and table[category_label("complaint", "zh")] == {"complaint"}
    for kind, cls in zip(EVENT_KINDS, EVENT_CLASSES):
        assert kind in table[cls.label.zh]
    for path, entry in field_names().items():  # within one field, no label names two values
        zh = [name.zh for name in entry.values.values()]
        assert len(zh) == len(set(zh)), path


def test_an_ambiguous_label_is_an_error_not_a_pick(monkeypatch: pytest.MonkeyPatch) -> None:
    ambiguous = build_parse_table([{"信件": "letter"}, {"信件": "email"}])
    assert ambiguous["信件"] == {"letter", "email"}
    monkeypatch.setattr(loader, "parse_table", lambda: ambiguous)
    with pytest.raises(CaseError) as info:
        legalcheck.load_case("id: x\nchannel: 信件\ncategory: complaint\n")
    (problem,) = info.value.problems
    assert (problem.code, problem.location.field, problem.location.line) == ("ambiguous-value", "channel", 2)
    assert problem.message == "'信件' names more than one value (email, letter); write one of them"


# --- 4. errors in the user's language ----------------------------------------------------------


def test_errors_in_chinese_with_suggestions_that_know_chinese_labels() -> None:
    text = "id: x\nchannel: 走方\ncategory: 申诉求决类\n"
    with pytest.raises(CaseError) as info:
        legalcheck.load_case(text, lang="zh")
    assert str(info.value) == "<input>:2:10: channel: '走方' 不是允许的取值（letter, online, phone, fax, email, visit）；是否应为 '走访'？"
    (problem,) = info.value.problems
    assert problem.text("en") == "'走方' is not one of letter, online, phone, fax, email, visit; did you mean '走访'?"
    with pytest.raises(CaseError) as info:
        legalcheck.load_case(text.replace("走方", "leter"))
    assert str(info.value).endswith("did you mean 'letter'?")


def test_an_event_kind_misspelt_in_chinese_gets_a_chinese_suggestion() -> None:
    text = ("id: x\nchannel: letter\ncategory: complaint\nagencies: [{id: a, name: A, level: county, kind: government}]\n"
            "events:\n  - {kind: 收件, date: 2025-04-07, agency: a}\n")
    with pytest.raises(CaseError) as info:
        legalcheck.load_case(text, lang="zh")
    assert str(info.value) == "<input>:6:12: events[0].kind: 未知的事件类型 '收件'；是否应为 '收到'？"


@pytest.mark.parametrize("code", sorted(PROBLEM_CODES))
def test_every_code_has_a_chinese_message_without_english_words(code: str) -> None:
    """Arguments aside (values, paths, details from parsers), the Chinese message is Chinese."""
    template = PROBLEM_CODES[code].message.zh
    words = re.sub(r"\{[a-z_]+\}|legalcheck[\w./]*|schema|agency_registry|from_agency|via|kind|agencies|"
                   r"calendars/README\.md|--calendar|--mapping|YAML|JSON|UTF-8|GB18030|Unicode|Excel|true|false|"
                   r"null|pip install|\\x\w+|0x|load_case|events\[", "", template)
    assert re.search(r"[\u4e00-\u9fff]", template), code
    assert not re.search(r"[A-Za-z]{3,}", words), (code, words)


def test_the_cli_reports_input_problems_in_chinese_or_english(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(f"id: x\nagency_registry: {REGISTRY}\nchannel: 走方\ncategory: complaint\n", encoding="utf-8")
    zh = CliRunner().invoke(cli, ["check", str(path), "--lang", "zh", "--engine", "native"])
    en = CliRunner().invoke(cli, ["check", str(path), "--lang", "en", "--engine", "native"])
    assert zh.exit_code == en.exit_code == 2
    assert "'走方' 不是允许的取值" in zh.stdout and "是否应为 '走访'" in zh.stdout
    assert "'走方' is not one of" in en.stdout and "did you mean '走访'?" in en.stdout


# --- 5. registries recognised by content ---------------------------------------------------------


def test_a_registry_named_in_chinese_is_used_and_never_reported_as_a_bad_case(tmp_path: Path) -> None:
    registry = REGISTRY.read_text(encoding="utf-8")
    assert registry.lstrip().startswith("schema: legalcheck/agencies/1") or "schema:" in registry
    (tmp_path / "清河县机构.yaml").write_text(registry, encoding="utf-8")
    case = (EXAMPLES / "compliant-direct-letter.yaml").read_text(encoding="utf-8").replace(
        "agency_registry: _agencies.yaml", "agency_registry: 清河县机构.yaml")
    (tmp_path / "QH-2025-0001.yaml").write_text(case, encoding="utf-8")
    summary = Summary()
    items = list(check_paths([tmp_path], BatchOptions(as_of=dt.date(2025, 12, 1), engine="native"),
                             on_skip=summary.skip))
    for item in items:
        summary.add(item)
    assert [(i.source, i.error) for i in items] == [(str(tmp_path / "QH-2025-0001.yaml"), None)]
    assert summary.exit_code == 0 and summary.rejected == 0
    assert dict(summary.skipped) == {"agency registry (schema legalcheck/agencies/1)": 1}
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--as-of", "2025-12-01", "--engine", "native"])
    assert result.exit_code == 0, result.output
    assert "机关名录（schema: legalcheck/agencies/1）（1件）" in result.output


def test_a_json_registry_is_recognised_by_content_too(tmp_path: Path) -> None:
    registry = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    (tmp_path / "机构.json").write_text(json.dumps(registry, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "case.json").write_text(json.dumps({**_raw(EXAMPLES / "compliant-direct-letter.yaml"),
                                                    "agency_registry": "机构.json"}, default=str, ensure_ascii=False),
                                        encoding="utf-8")
    skipped: list[tuple[str, str]] = []
    items = list(check_paths([tmp_path], BatchOptions(as_of=dt.date(2025, 12, 1), engine="native"),
                             on_skip=lambda path, reason: skipped.append((Path(path).name, reason))))
    assert [(Path(i.source).name, i.error) for i in items] == [("case.json", None)]
    assert skipped == [("机构.json", "agency registry (schema legalcheck/agencies/1)")]


# --- 6 and 7. a schema that explains itself; a template to start from -----------------------------


def _properties(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    models = {"Case": document, **document["$defs"]}
    return [(model, name, prop) for model, body in models.items() for name, prop in body.get("properties", {}).items()]


def test_every_property_and_event_kind_of_the_case_schema_is_described() -> None:
    document = json.loads(CliRunner().invoke(cli, ["schema"]).stdout)
    props = _properties(document)
    assert len(props) > 150
    for model, name, prop in props:
        description = prop.get("description", "")
        assert re.search(r"[\u4e00-\u9fff]", description) and re.search(r"[a-z]{3}", description), (model, name)
    for cls in EVENT_CLASSES:
        body = document["$defs"][cls.__name__]
        assert cls.label.zh in body["description"] and cls.label.en in body["description"], cls.__name__
    channel = document["properties"]["channel"]
    assert channel["x-required"] is True and channel["x-article"] == "《信访工作条例》第十七条"
    assert channel["x-values"]["visit"] == {"zh": "走访", "en": "visit"}
    assert "《信访工作条例》第十七条" in channel["description"] and "(2022) Art. 17;" in channel["description"]
    address = document["$defs"]["Petitioner"]["properties"]["address"]
    assert address["x-required"] is False and "书面告知义务无法确定" in address["x-when-absent"]["zh"]
    assert "written-notice duties are undetermined" in address["description"]


def test_a_property_without_a_name_fails_the_schema_test(monkeypatch: pytest.MonkeyPatch) -> None:
    from legalcheck._model import schema

    names = dict(field_names())
    del names["channel"]
    monkeypatch.setattr(schema, "field_names", lambda: names)
    described = {(m, n) for m, n, p in _properties(schema.case_schema()) if "description" in p}
    assert ("Case", "channel") not in described


def test_init_writes_the_chinese_template_that_loads_and_checks(tmp_path: Path) -> None:
    path = tmp_path / "new.yaml"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(path)]).exit_code == 0
    assert path.read_text(encoding="utf-8") == (ROOT / "docs" / "template.zh.yaml").read_text(encoding="utf-8")
    assert path.read_text(encoding="utf-8").startswith("# 信访事项案件文件模板")
    refused = runner.invoke(cli, ["init", str(path)])
    assert refused.exit_code == 2 and "--force" in refused.output
    path.write_text("changed", encoding="utf-8")
    assert runner.invoke(cli, ["init", str(path), "--force"]).exit_code == 0
    assert path.read_text(encoding="utf-8").startswith("# 信访事项案件文件模板")
    case = legalcheck.load_case(path)
    assert isinstance(case, Case)
    report = legalcheck.check(case, as_of=dt.date(2025, 12, 1), engine="native")
    assert report.verdict in ("compliant", "violation", "undetermined")
    stdout = runner.invoke(cli, ["init"])
    assert stdout.exit_code == 0 and stdout.stdout == path.read_text(encoding="utf-8")
    checked = runner.invoke(cli, ["check", str(path), "--as-of", "2025-12-01", "--engine", "native"])
    assert checked.exit_code in (0, 1, 4), checked.output
