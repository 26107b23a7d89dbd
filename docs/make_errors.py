"""Writes docs/errors.md: every input problem code with its Chinese and English meaning.

The table is ``legalcheck.PROBLEM_CODES``; tests/test_case_input.py fails while this page differs
from what this script writes. Run after adding or rewording a code::

    PYTHONPATH=src python docs/make_errors.py
"""

from __future__ import annotations

from pathlib import Path

from legalcheck import PROBLEM_CODES

PAGE = Path(__file__).resolve().parent / "errors.md"

HEAD = """# Input problem codes · 输入问题代码

Every problem legalcheck finds in its input — a case file, a dict or text given to
`legalcheck.load_case`, a JSON Lines record, a ledger row — is a `Problem` with a **location**
(file, line and column, or sheet and cell; and the field path), a stable **code** from the table
below and a **message** worded from that code in Chinese or English (`--lang zh|en` on the
command line, `lang=` in the library, `problem.text(lang)` on any problem). Programs branch on
the code, never on the message:

```python
try:
    case = legalcheck.load_case(data)
except legalcheck.CaseError as error:
    for problem in error.problems:          # problem.location.field, problem.code, problem.message
        if problem.code == "unknown-agency":
            ...
```

The batch summary counts rejected inputs by the code of their first problem (`could not be read: 2
invalid date`, `无法读取的原因：日期无效（2件）`; `rejected_by_reason` in a cluster run's `summary.json`),
the JSON and JSON Lines reports carry `code` beside each problem's `message`, and
`legalcheck schema --report` lists the codes (`$defs.ProblemCode`). `legalcheck.PROBLEM_CODES`
holds this table; `tests/test_case_input.py` fails when this page and the table differ.

输入中的每个问题（案件文件、传给 `legalcheck.load_case` 的字典或文本、JSON Lines 记录、台账行）都有
**位置**（文件、行、列，或工作表和单元格；以及字段路径）、下表中的稳定**代码**和按代码生成的中文或英文**说明**。
程序应当按代码判断，不要按说明文字判断。

| code | 含义 | meaning |
|---|---|---|
"""

TAIL = """
The last four codes are for the project's own data files (rules, regulations, calendar
overrides) and their maintainers; their messages carry the detail in English.
`internal-error` (内部错误) is counted in the summary for an input rejected by a fault of
legalcheck, not of the input (exit code 3); it is not a problem code.
"""


def page() -> str:
    """The page as it should read."""
    rows = "".join(f"| `{code}` | {kind.meaning.zh} | {kind.meaning.en} |\n" for code, kind in PROBLEM_CODES.items())
    return HEAD + rows + TAIL


def main() -> int:
    PAGE.write_text(page(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
