"""The library's own errors. Bad input never surfaces as a bare Python exception.

Every input problem is a :class:`Problem`: where it is (:class:`Location`), a stable
``code`` programs branch on (``unknown-field``, ``bad-date``, ``unknown-agency``, …; the
table is :data:`PROBLEM_CODES`, listed in docs/errors.md) and the values its message
names. Messages are worded from one table keyed by code, in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal, Self, get_args

from .bilingual import Bilingual
from .system_messages import os_reason, syntax_detail
from .vocabulary import Lang


@dataclass(frozen=True)
class Location:
    """Where a problem is: file, 1-based line and column, and the field path inside the document.

    In a spreadsheet, ``cell`` says where instead of line and column (``案件!F17``), and
    ``field`` names the column's header: ``ledger.xlsx:案件!F17 (受理日期)``.
    """

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.cell is not None:
            where += f":{self.cell}"
            return f"{where} ({self.field})" if self.field else where
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.field}" if self.field else where


ProblemCode = Literal[
    # reading the bytes
    "not-found", "broken-link", "not-regular-file", "unreadable", "file-name-not-utf8", "file-too-large",
    "line-too-large",
    "not-utf8", "not-unicode",
    # syntax and hostile structure
    "yaml-syntax", "json-syntax", "yaml-tag", "duplicate-key", "too-deep", "too-many-nodes", "alias-cycle",
    "number-too-long",
    # the case model
    "not-a-mapping", "unknown-field", "missing-field", "unknown-event-kind", "missing-kind", "bad-date",
    "unknown-value", "ambiguous-value", "wrong-type", "out-of-range", "bad-length", "date-order", "missing-origin",
    "invalid-value", "too-many-events", "duplicate-event-id", "more-problems",
    # agencies and registries
    "unknown-agency", "unknown-superior", "duplicate-agency-id", "registry-not-found", "registry-not-allowed",
    "not-a-registry", "registry-not-a-case", "case-not-validated",
    # sources that are not files
    "unsupported-source", "not-json-value",
    # ledgers (信访台账) and their mapping files
    "ledger-mapping", "ledger-needs-mapping", "ledger-no-sheet", "ledger-no-column", "ledger-unknown-word",
    "ledger-duplicate-case", "not-a-workbook", "not-utf8-or-gb18030", "missing-extra",
    # the calendar a deadline needs
    "no-calendar-data",
    # the project's own data files (rules, regulations, calendars): for their maintainers
    "rule-file", "regulation-file", "calendar-file", "input-invalid",
]


@dataclass(frozen=True)
class ProblemKind:
    """What a code means (``meaning``, for tables and summaries) and how its message is worded
    (``message``: ``str.format`` templates over the problem's ``args``)."""

    meaning: Bilingual
    message: Bilingual


def _kind(meaning_zh: str, meaning_en: str, message_zh: str, message_en: str) -> ProblemKind:
    return ProblemKind(Bilingual(meaning_zh, meaning_en), Bilingual(message_zh, message_en))


# The one table of input problems: every code, what it means and its message in both languages.
PROBLEM_CODES: dict[str, ProblemKind] = {
    "not-found": _kind("文件不存在", "no such file", "文件或目录不存在", "no such file or directory"),
    "broken-link": _kind("链接指向的文件不存在", "broken link", "文件不存在：符号链接指向的 {target} 不存在",
                         "no such file: a symbolic link to {target}, which does not exist"),
    "not-regular-file": _kind("不是普通文件", "not a regular file",
                              "不是普通文件（如管道、套接字或设备），未读取",
                              "not a regular file{detail}"),
    "unreadable": _kind("无法读取", "unreadable", "无法读取：{detail}", "cannot read {what}: {detail}"),
    "file-name-not-utf8": _kind("文件名不是 UTF-8", "file name not UTF-8",
                                "文件名不是 UTF-8 编码（含有 \\xff 之类的字节），请重命名该文件",
                                "file name is not UTF-8 (a byte such as \\xff in it); rename the file"),
    "file-too-large": _kind("文件过大", "file too large", "文件大小为{size}字节，超过上限{limit}字节",
                            "file is {size} bytes, over the limit of {limit}"),
    "line-too-large": _kind("行过长", "line too large", "该行为{size}字节，超过上限{limit}字节",
                            "line is {size} bytes, over the limit of {limit}"),
    "not-utf8": _kind("不是 UTF-8 文本", "not UTF-8 text", "不是 UTF-8 文本（第{offset}字节处为 0x{byte}）",
                      "not UTF-8 text (byte 0x{byte} at offset {offset})"),
    "not-unicode": _kind("文本不是有效的 Unicode", "text not valid Unicode",
                         "文本不是有效的 Unicode（含有 \\ud800 之类的孤立代理项）",
                         "text is not valid Unicode (an unpaired surrogate such as \\ud800)"),
    "yaml-syntax": _kind("YAML 语法错误", "YAML syntax error", "YAML 语法错误（{detail}）",
                         "YAML syntax error: {detail}"),
    "json-syntax": _kind("JSON 语法错误", "JSON syntax error", "JSON 语法错误（{detail}）",
                         "JSON syntax error: {detail}"),
    "yaml-tag": _kind("不允许的 YAML 标签", "YAML tag not allowed",
                      "不允许使用 YAML 标签 {tag}："
                      "此类文件只能包含普通数据（映射、列表、文本、数字、true/false、null）",
                      "YAML tag {tag} is not allowed: these files hold plain data only (mappings, lists, text, "
                      "numbers, true/false, null)"),
    "duplicate-key": _kind("重复的键", "duplicate key", "键 {key} 重复（首次出现在第{first_line}行）",
                           "duplicate key {key} (first on line {first_line})"),
    "too-deep": _kind("嵌套过深", "nested too deeply", "嵌套超过{limit}层", "nesting deeper than {limit} levels"),
    "too-many-nodes": _kind("节点过多", "too many nodes",
                            "文档展开后超过{limit}个节点（是否使用了 YAML 别名？），不予读取",
                            "document expands to more than {limit} nodes (YAML aliases?); refusing it"),
    "alias-cycle": _kind("YAML 别名循环", "YAML alias cycle", "YAML 别名指向包含它自身的节点（循环引用），不予读取",
                         "YAML alias refers to a node that contains it (a cycle); refusing it"),
    "number-too-long": _kind("数字过长", "number too long", "数字长{digits}个字符，超过上限{limit}",
                             "number with {digits} characters, over the limit of {limit}"),
    "not-a-mapping": _kind("顶层不是映射", "not a mapping", "案件文件的顶层必须是映射（键: 值）",
                           "a case file must be a mapping at the top level"),
    "unknown-field": _kind("未知的字段", "unknown field", "未知的字段 {key}", "unknown key {key}"),
    "missing-field": _kind("缺少必填字段", "missing field", "缺少必填字段", "required field is missing"),
    "unknown-event-kind": _kind("未知的事件类型", "unknown event kind", "未知的事件类型 {kind}",
                                "unknown event kind {kind}"),
    "missing-kind": _kind("事件缺少类型", "event without kind", "事件缺少 kind（如 收到、登记、转送……）",
                          "event has no 'kind' (received, registered, forwarded, ...)"),
    "bad-date": _kind("日期无效", "invalid date", "日期 {value} 无效（应写作 2025-04-07 或 2025年4月7日）",
                      "invalid date {value} (expected YYYY-MM-DD or 2025年4月7日)"),
    "unknown-value": _kind("取值不在允许范围内", "value not allowed", "{value} 不是允许的取值（{choices}）",
                           "{value} is not one of {choices}"),
    "ambiguous-value": _kind("取值有歧义", "ambiguous value", "{value} 可以指多个取值（{choices}），请写明其中之一",
                             "{value} names more than one value ({choices}); write one of them"),
    "wrong-type": _kind("类型不符", "wrong type", "应为{expected_zh}（实际为 {value}）",
                        "expected {expected} (got {value})"),
    "out-of-range": _kind("数值超出范围", "number out of range", "数值 {value} 超出范围（应 {op} {bound}）",
                          "{value} is out of range (must be {op} {bound})"),
    "bad-length": _kind("长度不符", "wrong length", "{value} 的长度不符合要求（应 {op} {bound} 个字符）",
                        "{value} has the wrong length (must be {op} {bound} characters)"),
    "date-order": _kind("日期先后颠倒", "dates out of order", "{field}（{value}）早于{other}（{other_value}）",
                        "{field} ({value}) is before {other} ({other_value})"),
    "missing-origin": _kind("缺少来源机关", "missing from_agency",
                            "via 为 {via} 时必须写明 from_agency（转来或交办的机关）",
                            "from_agency is required when via is {via}"),
    "invalid-value": _kind("取值无效", "invalid value", "取值无效（{detail}）", "{detail}"),
    "too-many-events": _kind("事件过多", "too many events", "共{count}个事件，超过上限{limit}",
                             "{count} events, over the limit of {limit}"),
    "duplicate-event-id": _kind("重复的事件编号", "duplicate event id",
                                "事件编号 {id} 重复（首次出现在 events[{first}]）",
                                "duplicate event id {id} (first at events[{first}])"),
    "more-problems": _kind("问题过多", "more problems", "……另有{count}个问题", "... and {count} more problems"),
    "unknown-agency": _kind("未知的机关", "unknown agency", "未知的机关 {id}", "unknown agency {id}"),
    "unknown-superior": _kind("未知的上级机关", "unknown superior", "未知的机关 {id}（{agency} 的上级机关）",
                              "unknown agency {id} (superior of {agency})"),
    "duplicate-agency-id": _kind("机关代号重复", "duplicate agency id", "机关代号必须唯一",
                                 "agency ids must be unique"),
    "registry-not-found": _kind("找不到机关名录", "agency registry not found", "找不到机关名录文件：{path}",
                                "agency registry not found: {path}"),
    "registry-not-allowed": _kind("机关名录文件类型不符", "agency registry not allowed",
                                  "机关名录必须是 {suffixes} 文件，不能是 {path}",
                                  "agency registry must be a {suffixes} file, not {path}"),
    "not-a-registry": _kind("不是机关名录", "not an agency registry",
                            "不是机关名录（机关名录写明 schema: legalcheck/agencies/1 并列出 agencies）",
                            "not an agency registry (one states schema: legalcheck/agencies/1 and lists agencies)"),
    "registry-not-a-case": _kind("机关名录不是案件", "a registry, not a case",
                                 "这是机关名录（schema: legalcheck/agencies/1），不是案件文件："
                                 "请在案件的 agency_registry 中写明它",
                                 "an agency registry (schema: legalcheck/agencies/1), not a case: name it in a case's "
                                 "agency_registry"),
    "case-not-validated": _kind("案件未经校验", "case not validated",
                                "案件 {id} 未经校验{registry}，请用 legalcheck.load_case 读取",
                                "case {id} did not go through validation{registry}: load it with "
                                "legalcheck.load_case"),
    "unsupported-source": _kind("无法识别的输入", "unsupported source", "无法作为案件读取：{detail}",
                                "cannot be read as a case: {detail}"),
    "not-json-value": _kind("不是 JSON 数据", "not JSON data", "案件数据只能包含 JSON 值（{detail}）",
                            "a case dict must hold JSON values: {detail}"),
    "ledger-mapping": _kind("台账映射文件有误", "bad ledger mapping", "台账映射文件有误：{detail}", "{detail}"),
    "ledger-needs-mapping": _kind("台账缺少映射文件", "ledger without mapping",
                                  "读取台账需要映射文件：--mapping 文件",
                                  "a ledger needs a mapping file: --mapping FILE"),
    "ledger-no-sheet": _kind("台账缺少工作表", "no such sheet", "没有工作表 {sheet}（现有：{sheets}）",
                             "no sheet {sheet} (sheets: {sheets})"),
    "ledger-no-column": _kind("台账缺少列", "no such column", "表头中没有列 {column}（现有列：{columns}）",
                              "no column {column} in the header row (columns: {columns})"),
    "ledger-unknown-word": _kind("台账中的词不在对照表中", "word not in table",
                                 "{value} 不在对照表 {table} 中（{choices}）",
                                 "{value} is not one of {choices} (table {table})"),
    "ledger-duplicate-case": _kind("台账案件编号重复", "duplicate case number",
                                   "案件编号 {id} 重复（首次出现在第{first}行）",
                                   "duplicate case number {id} (first in row {first})"),
    "not-a-workbook": _kind("不是 Excel 工作簿", "not an Excel workbook", "无法读取：不是 Excel 工作簿（{detail}）",
                            "cannot read file: not an Excel workbook ({detail})"),
    "not-utf8-or-gb18030": _kind("不是 UTF-8 或 GB18030 文本", "not UTF-8 or GB18030 text",
                                 "不是 UTF-8 文本，也不是 GB18030 文本", "not UTF-8 text (nor GB18030)"),
    "missing-extra": _kind("缺少可选组件", "optional package missing", "需要安装可选组件：pip install '{extra}'",
                           "{what} needs {package}: pip install '{extra}'"),
    "no-calendar-data": _kind("缺少该年度工作日数据", "no calendar data for the year",
                              "没有{year}年的官方工作日数据（有数据的年份：{span}）。国务院公布{year}年节假日安排后，"
                              "请在 {directory} 中增加补充文件（schema {schema}），或用 --calendar 文件 指定；"
                              "见 calendars/README.md",
                              "no official working-day data for {year} (years with data: {span}). Once the State "
                              "Council publishes its holiday notice for {year}, add an override file (schema {schema}) "
                              "supplying year {year} to the default override directory {directory}, or pass one with "
                              "--calendar FILE; see calendars/README.md"),
    "rule-file": _kind("规则文件有误", "bad rule file", "规则文件有误：{detail}", "{detail}"),
    "regulation-file": _kind("法规文件有误", "bad regulation file", "法规文件有误：{detail}", "{detail}"),
    "calendar-file": _kind("日历文件有误", "bad calendar file", "日历文件有误：{detail}", "{detail}"),
    "input-invalid": _kind("输入有误", "invalid input", "输入有误：{detail}", "{detail}"),
}

# Optional parts some messages carry, appended when the problem has the argument.
_SUFFIXES: dict[str, Bilingual] = {
    "suggestion": Bilingual("；是否应为 {suggestion}？", "; did you mean {suggestion}?"),
    "needed_by": Bilingual("（{needed_by} 需要）", " (needed by {needed_by})"),
    "missing": Bilingual("：{missing}", ": {missing}"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (``location``), what (``code``, stable: branch on it,
    never on the message) and the values its message names (``args``, already quoted).

    ``message`` is the English text; ``text(lang)`` either language.
    """

    location: Location
    code: ProblemCode
    args: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.code not in PROBLEM_CODES:
            raise ValueError(f"unknown problem code {self.code!r}")

    @property
    def message(self) -> str:
        return self.text("en")

    @property
    def meaning(self) -> Bilingual:
        """What the code means, in both languages (``unknown-agency``: 未知的机关 / unknown agency)."""
        return PROBLEM_CODES[self.code].meaning

    def text(self, lang: Lang) -> str:
        """The message in ``lang``."""
        args = dict(self.args)
        for name, translate in _TRANSLATED_ARGS.get(self.code, {}).items():
            if name in args:
                args[name] = translate(args[name]).get(lang)
        text = PROBLEM_CODES[self.code].message.get(lang).format_map(_Defaults(args))
        for name, suffix in _SUFFIXES.items():
            if args.get(name):
                text += suffix.get(lang).format_map(args)
        return text

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


# Arguments that come in a third party's English words and have a Chinese rendering (parsers, the system).
_TRANSLATED_ARGS: dict[str, dict[str, Callable[[str], Bilingual]]] = {
    "yaml-syntax": {"detail": syntax_detail},
    "json-syntax": {"detail": syntax_detail},
    "unreadable": {"detail": os_reason},
}


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


class LegalcheckError(Exception):
    """Base class of every error legalcheck raises on purpose."""

    exit_code = 3
    code = "legalcheck-error"  # stable, for programs; subclasses that callers branch on set their own


class InputError(LegalcheckError):
    """Bad input (case, rule, calendar or regulation file): exit code 2.

    ``problems`` holds every :class:`Problem` found (a file with three bad fields reports all
    three at once); ``codes`` their codes. ``str(error)`` is one line per problem in the
    error's ``lang`` (English unless the loader was asked for Chinese); ``text(lang)`` either.
    A problem may also be given as a ``(Location, message)`` pair: it then has the class's
    ``default_code`` (project data files: rules, regulations, calendars).
    """

    exit_code = 2
    default_code: ClassVar[ProblemCode] = "input-invalid"

    def __init__(self, problems: Iterable[Problem | tuple[Location, str]], *, lang: Lang = "en") -> None:
        self.problems = tuple(p if isinstance(p, Problem) else Problem(p[0], self.default_code, {"detail": p[1]})
                              for p in problems)
        self.lang: Lang = lang
        super().__init__(self.text(lang))

    def __reduce__(self) -> tuple[Callable[..., InputError], tuple[type[InputError], list[Problem], Lang]]:
        # Errors cross process boundaries in batch runs; rebuild from problems, not the message.
        return (_rebuild, (type(self), list(self.problems), self.lang))

    @property
    def codes(self) -> tuple[ProblemCode, ...]:
        """The code of each problem, in order (``"bad-date" in error.codes``)."""
        return tuple(p.code for p in self.problems)

    def text(self, lang: Lang) -> str:
        """One line per problem, ``file:line:column: field: message``, in ``lang``."""
        return "\n".join(f"{p.location}: {p.text(lang)}" for p in self.problems)

    def in_language(self, lang: Lang) -> Self:
        """This error, its ``str`` now in ``lang`` (the problems are unchanged)."""
        self.lang = lang
        self.args = (self.text(lang),)
        return self

    @classmethod
    def at(cls, message: str | None = None, *, code: ProblemCode | None = None, file: str | Path | None = None,
           line: int | None = None, column: int | None = None, field: str | None = None, cell: str | None = None,
           **args: object) -> Self:
        """One problem at one place: ``code`` with its message's ``args``, or a bare ``message``
        under the class's ``default_code``."""
        location = Location(str(file) if file is not None else None, line, column, field, cell)
        if code is None:
            return cls([Problem(location, cls.default_code, {"detail": message or ""})])
        return cls([Problem(location, code, {k: str(v) for k, v in args.items()})])


def _rebuild(cls: type[InputError], problems: list[Problem], lang: Lang) -> InputError:
    return cls(problems, lang=lang)


class CaseError(InputError):
    """A case cannot be read or does not match the case model. ``problems`` say where and why,
    each with a stable ``code``."""


class UnvalidatedCaseError(CaseError):
    """A ``Case`` that did not go through the loader's validation reached the evaluator.

    Raised by ``check`` / ``is_compliant`` / ``Evaluator`` when an agency the case refers to
    (an event's agency, a superior, ``competent_agencies``, …) is not among its agencies, or
    ids repeat: typically a ``Case`` built with ``Case.model_validate`` whose
    ``agency_registry`` was never merged. Load it with ``legalcheck.load_case`` instead.
    Exit code 2; ``code`` is stable.
    """

    code = "case-not-validated"


class RuleError(InputError):
    """A rule file does not match the rule schema or cites something that does not exist."""

    default_code: ClassVar[ProblemCode] = "rule-file"


class CalendarDataError(InputError):
    """No official working-day data for a year, or a bad calendar override file."""

    default_code: ClassVar[ProblemCode] = "calendar-file"


class RegulationError(InputError):
    """A regulation file is malformed or a citation does not resolve."""

    default_code: ClassVar[ProblemCode] = "regulation-file"


class EngineUnavailable(LegalcheckError):
    """The requested evaluation engine cannot run on this interpreter (durable-rules on Python 3.13+)."""

    exit_code = 2


def problem_codes() -> tuple[str, ...]:
    """Every problem code, in the table's order."""
    return get_args(ProblemCode)
