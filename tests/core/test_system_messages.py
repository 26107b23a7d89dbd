"""Syntax errors in a Chinese report are worded in Chinese: the parsers' messages for the mistakes
people make when writing a case file by hand, produced by the real parsers, not typed in here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from legalcheck import CaseError, load_case
from legalcheck._core.system_messages import os_reason, syntax_detail

# Case files with one hand-written mistake each, as YAML or JSON text.
BROKEN = {
    "colon in a value": "id: x\ntitle: 申请: 补发工资\n",
    "list item out of line": "id: x\nevents:\n  - kind: received\n   date: 2025-01-01\n",
    "key out of line": "id: x\n  title: a\n",
    "tab": "id: x\n\ttitle: a\n",
    "unclosed quote": 'id: x\ntitle: "a\n',
    "unclosed bracket": "id: x\npetitioners: [a, b\n",
    "undefined alias": "id: x\ntitle: *nowhere\n",
    "text after a value": "id: x\ntitle: 'a' b\n",
    "json missing value": '{"id": "x",\n "title": }\n',
    "json trailing comma": '{"id": "x",}\n',
    "json missing comma": '{"id": "x"\n "title": "a"}\n',
    "json unclosed string": '{"id": "x\n',
    "json extra data": '{"id": "x"} {}\n',
}
LATIN = re.compile(r"[A-Za-z]{3,}")


def _error(text: str) -> CaseError:
    with pytest.raises(CaseError) as caught:
        load_case(text + ("\n" if text.startswith("{") else "# end\n"), lang="zh")
    return caught.value


@pytest.mark.parametrize("mistake", sorted(BROKEN))
def test_a_syntax_error_reads_in_chinese_and_keeps_the_parsers_words_in_english(mistake: str) -> None:
    error = _error(BROKEN[mistake])
    (problem,) = error.problems
    assert problem.code in ("yaml-syntax", "json-syntax")
    zh, en = problem.text("zh"), problem.text("en")
    assert LATIN.sub("", zh.replace("YAML", "").replace("JSON", "")) == zh.replace("YAML", "").replace("JSON", ""), zh
    assert "解析器原文" not in zh, zh  # every one of these mistakes is recognised
    assert problem.args["detail"] in en  # the parser's own words stay in the English message


def test_a_message_not_recognised_is_quoted_as_the_parsers_not_guessed() -> None:
    detail = syntax_detail("something no parser of ours says")
    assert detail.zh == "解析器原文：something no parser of ours says"
    assert detail.en == "something no parser of ours says"


def test_a_message_of_several_phrases_keeps_their_order() -> None:
    detail = syntax_detail("did not find expected '-' indicator (while parsing a block collection that starts at "
                           "line 3, column 3)")
    assert detail.zh == "缺少列表项标记“-”，缩进可能不一致；解析自第3行第3列开始的列表时"


def test_an_unreadable_file_says_why_in_chinese(tmp_path: Path) -> None:
    # The loader's own construction for a failed read (root can read any file, so no read is provoked).
    error = CaseError.at(code="unreadable", what="file", detail="Permission denied", file=tmp_path / "a.yaml")
    (problem,) = error.problems
    assert problem.text("zh") == "无法读取：没有读取权限"
    assert problem.text("en") == "cannot read file: Permission denied"


def test_every_system_reason_listed_is_worded_without_latin_letters() -> None:
    for reason in ("Permission denied", "No such file or directory", "Is a directory"):
        assert not LATIN.search(os_reason(reason).zh)
    assert os_reason("Stale file handle").zh == "系统原文：Stale file handle"
