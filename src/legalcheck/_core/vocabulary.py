"""The words of every report, in Chinese and English, so no two reporters word a thing differently.

Everything a reporter says in words comes from here: single words and headings (:func:`word`),
labels of the case model's values (:func:`label`), sentences with blanks (:func:`say`), and
dates, weekdays, periods and day counts (:func:`date_text`, :func:`weekday_text`,
:func:`period_text`, :func:`days_text`). Reporters pass ``lang`` through and never choose a
side themselves; this module is the one place that does (:func:`pick`). Event kinds are
labelled on their classes (``legalcheck._model.case``), the one declaration of an event kind.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
Severity = Literal["violation", "warning", "notice"]
SEVERITIES: tuple[str, ...] = ("violation", "warning", "notice")
DeadlineStatus = Literal["met", "met_by_roll_over", "late", "overdue", "pending"]
Pair = tuple[str, str]  # (Chinese, English)
# The column headings of the counts.
COUNT_HEADINGS = ("violation_h", "warning_h", "notice_h", "pending_h", "undetermined_h")
COUNT_KEYS = (*SEVERITIES, "pending", "undetermined")  # the Counts fields those headings show
MARKS = {"violation": "✗", "warning": "!", "notice": "i"}
_SIDE: dict[str, int] = {"zh": 0, "en": 1}


def pick(pair: Pair, lang: Lang) -> str:
    """The ``lang`` side of a (Chinese, English) pair: the one place a language is chosen."""
    return pair[_SIDE[lang]]


WORDS: dict[str, Pair] = {
    "report_title": ("信访事项程序合规检查报告", "Petition procedure compliance report"),
    "violation": ("违规", "violation"),
    "warning": ("警示", "warning"),
    "notice": ("提示", "notice"),
    "pending": ("待办", "pending"),
    "undetermined": ("无法确定", "undetermined"),
    "undetermined_h": ("无法确定", "Undetermined"),
    "undetermined_section": ("因案卷缺少事实而无法确定的义务", "Obligations undetermined for want of a recorded fact"),
    "missing_facts": ("缺少的事实", "Missing facts"),
    "to_record": ("应当记载", "To record"),
    "verdict": ("结论", "Verdict"),
    "violation_h": ("违规", "Violations"),
    "warning_h": ("警示", "Warnings"),
    "notice_h": ("提示", "Notices"),
    "pending_h": ("待办", "Pending"),
    "case": ("案件", "Case"),
    "as_of": ("截至", "As of"),
    "governed": ("适用", "Governed by"),
    "source": ("来源", "Source"),
    "no_findings": ("未发现问题", "No findings"),
    "particulars": ("案件信息", "Case particulars"),
    "title": ("标题", "Title"),
    "category": ("类别", "Category"),
    "channel": ("渠道", "Channel"),
    "petitioners": ("信访人", "Petitioners"),
    "headcount": ("人数", "Headcount"),
    "request": ("请求", "Request"),
    "facts": ("事实", "Facts"),
    "reasons": ("理由", "Reasons"),
    "status": ("状态", "Status"),
    "organization": ("单位", "organization"),
    "grounds": ("依据", "Provision"),
    "original": ("原文", "Chinese original"),
    "translation": ("译文（非官方）", "Our translation (unofficial)"),
    "liability": ("责任条款", "Liability"),
    "words": ("所依据的条文", "Words of the provision relied on"),
    "path": ("字段位置", "Path"),
    "event": ("事件", "Event"),
    "events": ("相关事件", "Events"),
    "date": ("日期", "Date"),
    "agency": ("机关", "Agency"),
    "acting_agency": ("应当办理的机关", "Agency to act"),
    "field": ("字段", "Field"),
    "value": ("值", "Value"),
    "note": ("备注", "Note"),
    "deadline": ("期限计算", "Deadline arithmetic"),
    "item": ("项目", "Item"),
    "number": ("序号", "No."),
    "start": ("起算日", "Start"),
    "period": ("期间", "Period"),
    "excluded": ("不计入的日期", "Excluded days"),
    "extension": ("延长期限", "Extension"),
    "holidays": ("期间内的法定节假日", "Holidays crossed"),
    "adjusted_working_days": ("期间内的调休工作日", "Adjusted working days crossed"),
    "strict_due": ("原届满日（未顺延）", "Due date before roll-over"),
    "rolled_due": ("顺延后届满日", "Rolled-over due date"),
    "effective_due": ("适用的届满日", "Due date applied"),
    "roll_over": ("期间末日顺延", "Roll-over"),
    "actual": ("实际完成日", "Done on"),
    "open_as_of": ("截至该日仍未完成", "Open as of"),
    "days_late": ("逾期", "Late by"),
    "days_left": ("剩余天数", "Days left"),
    "outcome": ("结论", "Outcome"),
    "steps": ("计算步骤", "Steps"),
    "readings_used": ("适用口径", "Readings"),
    "pack": ("地方规则包", "Local pack"),
    "displaces": ("取代全国规则", "Displaces national rule"),
    "docket": ("待办事项", "Pending obligations (docket)"),
    "rule": ("规则", "Rule"),
    "obligation": ("义务", "Obligation"),
    "trigger": ("起算事件", "Trigger"),
    "due": ("届满日", "Due"),
    "moved_by": ("期限变动", "Moved by"),
    "no_period": ("条文未规定期限", "no period set by the provision"),
    "none": ("无", "none"),
    "readings": ("适用口径", "Readings applied"),
    "receipt": ("生成信息", "How this report was made"),
    "version": ("legalcheck 版本", "legalcheck version"),
    "engine": ("引擎", "Engine"),
    "ruleset_version": ("规则集版本", "Rule-set version"),
    "ruleset_sha": ("规则集哈希（SHA-256）", "Rule-set hash (SHA-256)"),
    "regulation_sha": ("法规文本哈希（SHA-256）", "Regulation hash (SHA-256)"),
    "calendar_sha": ("日历哈希（SHA-256）", "Calendar hash (SHA-256)"),
    "input_sha": ("输入文件哈希（SHA-256）", "Input hash (SHA-256)"),
    "on": ("适用（《中华人民共和国民法典》第二百零三条）", "applies (Civil Code art. 203)"),
    "off": ("不适用", "does not apply"),
    "summary": ("汇总", "Summary"),
    "by_rule": ("按规则统计", "By rule"),
    "by_agency": ("按机关统计", "By agency"),
    "ranked": ("案件（问题较多者在前）", "Cases, most serious first"),
    "affected": ("涉及案件数", "Cases"),
    "whole_case": ("（案件整体）", "(case as a whole)"),
    "rejected": ("无法读取的输入", "Inputs that could not be read"),
    "file": ("文件", "File"),
    "line": ("行", "Line"),
    "column": ("列", "Column"),
    "problem": ("问题", "Problem"),
    "input_error": ("输入错误", "input error"),
    "internal_error": ("内部错误", "internal error"),
    "timeline": ("时间线", "Timeline"),
    "chronology": ("事件经过", "Chronology"),
    "events_short": ("相关事件", "events"),
    "deadline_short": ("期限", "deadline"),
    "under": ("适用", "under"),
    "governing_h": ("适用的规定", "Instruments that governed"),
    "selection_readings": ("确定适用规定所依口径", "Readings that selected them"),
    "standing_readings": ("每项检查所依口径", "Readings every check relies on"),
    "appendix": ("附录：核查信息", "Appendix: audit information"),
    "appendix_note": ("供核查使用：案卷字段位置、文件哈希、版本和适用口径编号。",
                      "For auditors: field paths in the case files, file hashes, versions and reading ids."),
    "reading_id": ("口径编号", "Reading id"),
    "finding": ("问题", "Finding"),
    "generated": ("由 legalcheck 生成；中文为法规的正式文本，英文为非官方译文。",
                  "Generated by legalcheck. The Chinese text of the law is authoritative; English is our "
                  "unofficial translation."),
    "designated": ("交办时指定的办理期限", "period designated on assignment"),
    "sep": ("；", "; "),
    "list_sep": ("、", ", "),
    "colon": ("：", ": "),
    "moved_roll_over": ("末日顺延", "rolled over"),
    "moved_none": ("—", "—"),
    "legend_met": ("按期完成", "met"),
    "legend_rolled": ("仅因期末顺延而按期", "met only by roll-over"),
    "legend_missed": ("逾期（违规期限）", "missed (deadline violated)"),
    "legend_warned": ("警示", "warning"),
    "legend_pending": ("待办（期限未届满）", "pending"),
    "legend_overrun": ("逾期部分", "overrun"),
    "legend_extension": ("延长部分", "extension"),
    "legend_holiday": ("法定节假日", "public holiday"),
    "legend_adjusted_working_day": ("调休工作日", "adjusted working day"),
    "legend_original_due": ("原届满日（未延长或未顺延）", "original due date"),
}

# Sentences with blanks, filled by :func:`say`. Dates and day counts are passed already written.
SENTENCES: dict[str, Pair] = {
    "batch_summary": ("共{found}件案件：已检查{checked}件，无法读取{rejected}件；违规{violations}项",
                      "{found} case(s): {checked} checked, {rejected} could not be read; {violations} violation(s)"),
    "batch_summary_undetermined": ("，无法确定{undetermined}项", ", {undetermined} undetermined"),
    "event_name": ("第{number}项事件（{kind}，{date}，{agency}）", "event {number} ({kind}, {date}, {agency})"),
    "event_name_short": ("第{number}项事件", "event {number}"),
    "deadline_summary": ("{period}，自{start}起算，{due_clause}；{outcome}",
                         "{period} from {start}, {due_clause}; {outcome}"),
    "counted": ("{label}（{n}）", "{label} ({n})"),
    "due_clause": ("至{due}届满", "due {due}"),
    "due_clause_rolled": ("原届满日（未顺延）为{strict}，因末日为法定休假日顺延至{due}",
                          "due {strict}, rolled over to {due} because that day was a rest day"),
    "period_with_extension": ("{period}，延长{extension}", "{period}, extended by {extension}"),
    "period_with_total": ("{period}，延长{extension}，共{total}", "{period}, extended by {extension} ({total} in all)"),
    "period_excluding": ("{period}（不计入{excluded}）", "{period} ({excluded} not counted)"),
    "outcome_done": ("实际完成日为{actual}", "done on {actual}"),
    "outcome_done_late": ("实际完成日为{actual}，逾期{late}", "done on {actual}, {late} late"),
    "outcome_open_late": ("截至{as_of}尚未完成，已逾期{late}", "not done as of {as_of}, {late} overdue"),
    "outcome_open_left": ("截至{as_of}尚未完成，尚余{left}", "not done as of {as_of}, {left} left"),
    "outcome_open": ("截至{as_of}尚未完成", "not done as of {as_of}"),
    "due_with_left": ("{due}（{weekday}），尚余{left}", "{due} ({weekday}), {left} left"),
    "later_events": ("另有{n}项事件晚于截至日期，未纳入检查", "{n} later event(s) after the as-of date not considered"),
    "docket_header": ("截至{as_of}的待办期限（{n}项）", "Pending obligations as of {as_of} ({n})"),
    "docket_undetermined": ("无法确定的义务（{n}项，须先补记案卷）",
                            "Undetermined obligations ({n}; record the missing facts first)"),
    "omitted_labels": ("{n}项事件未标注（见鼠标提示和事件经过表）",
                       "{n} event label(s) left out (see tooltips and the chronology)"),
    "omitted_spans": ("另有{n}个期限未画出（见下文各项问题）",
                      "{n} more deadline(s) not drawn (see the findings below)"),
    "no_governing": ("本案截至检查日没有记载任何行为，没有适用的规定。",
                     "The case records no act up to the as-of date, so no instrument governed."),
    "interrupted": ("已中断：{summary}", "interrupted: {summary}"),
    "kept_output": ("；{output}保持原样", "; {output} was left as it was"),
    "problem_line": ("{where}：{label}：{message}", "{where}: {label}: {message}"),
    "skipped": ("跳过{total}个目录项（不是案件文件）：{ranked}",
                "skipped {total} directory entries (not case files): {ranked}"),
    "rejected_reasons": ("无法读取的原因：{ranked}", "could not be read: {ranked}"),
    "count_of": ("{label}（{count}件）", "{count} {label}"),
    "date_weekday": ("{date}（{weekday}）", "{date} ({weekday})"),
    "titled_citation": ("{title}（{cite}）", "{title} ({cite})"),
    "tl_event": ("{number} {kind}", "{number} {kind}"),
    "tl_span": ("{mark} {rule} {period} {start}→{due} · {outcome}", "{mark} {rule} {period} {start}→{due} · {outcome}"),
    "tl_outcome_late": ("逾期{late}完成", "done {late} late"),
    "tl_outcome_overdue": ("逾期{late}未完成", "{late} overdue, not done"),
    "tl_outcome_left": ("尚余{left}", "{left} left"),
    "tl_detail": ("{rule} {title}：{rows}", "{rule} {title}: {rows}"),
    "tl_detail_note": ("{event}（{note}）", "{event} ({note})"),
    "kv": ("{key}：{value}", "{key}: {value}"),
    "moved_extension": ("经延长{days}", "extended by {days}"),
    "cluster_findings": ("发现：{counts}", "findings: {counts}"),
    "cluster_output": ("结果：{parts}，汇总：{summary}", "output: {parts}, summary: {summary}"),
    "date_span": ("{first}至{last}", "{first}..{last}"),
    "explain_designated": ("指定期限，自{start}起", "designated due date, from {start}"),
    "explain_period": ("期间：{period}，自{start}起算", "period: {period} from {start}"),
    "explain_result": ("结论：{status}", "result: {status}"),
    "explain_done": ("（完成日为{actual}）", " (done {actual})"),
    "explain_late": ("，超过届满日{days}", ", {days} after the due date"),
    "explain_left": ("，截至{as_of}尚余{days}", ", {days} left as of {as_of}"),
    "with_note": ("{text}（{note}）", "{text} ({note})"),
    "dated_name": ("{date}（{name}）", "{date} ({name})"),
    # Which instruments governed (``legalcheck._report.governance``).
    "gov_name": ("{title}", "{title}"),
    "gov_name_pack": ("{title}（{pack}规则包）", "{title} ({pack} pack)"),
    "gov_span": ("{start}至{end}", "from {start} to {end}"),
    "gov_span_open": ("{start}以后", "from {start}"),
    "gov_from_source": ("起始日依据{label}", "start: {label}"),
    "gov_until_source": ("截止日依据{label}", "end: {label}"),
    "gov_until_reading": ("截止日依据适用口径“{title}”，所存法规文本未作规定",
                          "end: reading “{title}”, not fixed by any text held"),
    "gov_grounds": ("（{grounds}）", " ({grounds})"),
    "gov_acts": ("本案有{acts}项行为在此期间（{first}至{last}）",
                 "{acts} act(s) of the case fall within ({first} to {last})"),
    "gov_acts_one_day": ("本案有{acts}项行为在此期间（均在{first}）",
                         "{acts} act(s) of the case fall within (all on {first})"),
    "gov_sentence": ("{name}：其规则适用于{span}的行为{ground}；{acts}。",
                     "{name}: its rules apply to acts {span}{ground}; {acts}."),
    "agency_to_act": ("{agency}：{title}", "{agency}: {title}"),
}

# Labels of the case model's values, table by table (event kinds are labelled on their classes).
LABELS: dict[str, dict[str, Pair]] = {
    "case_status": {"open": ("办理中", "open"), "closed": ("已办结", "closed")},
    "status": {
        "met": ("按期完成", "met"),
        "met_by_roll_over": ("仅因期末顺延而按期", "met only because the due date rolled over"),
        "late": ("逾期完成", "done late"),
        "overdue": ("逾期未完成", "overdue, not done"),
        "pending": ("期限未届满", "pending, period still running"),
    },
    "severity": {"violation": ("违规", "violation"), "warning": ("警示", "warning"), "notice": ("提示", "notice")},
    "category": {"suggestion": ("建议意见类", "suggestion"), "accusation": ("检举控告类", "accusation"),
                 "complaint": ("申诉求决类", "complaint or claim")},
    "channel": {"letter": ("书信", "letter"), "online": ("信息网络", "online"), "phone": ("电话", "phone"),
                "fax": ("传真", "fax"), "email": ("电子邮件", "email"), "visit": ("走访", "visit")},
    "form": {"written": ("书面", "written"), "oral": ("口头", "oral")},
    "agency_level": {"township": ("乡镇（街道）", "township"), "county": ("县级", "county"), "city": ("市级", "city"),
                     "province": ("省级", "province"), "national": ("中央和国家", "national")},
    "agency_kind": {
        "petition_bureau": ("信访部门", "petition bureau"), "political_legal": ("政法部门", "political-legal organ"),
        "public_security": ("公安机关", "public security organ"),
        "justice_administration": ("司法行政机关", "justice administration organ"),
        "discipline_inspection": ("纪检监察机关", "discipline inspection and supervision organ"),
        "party_committee": ("党委", "Party committee"), "government": ("人民政府", "people's government"),
        "joint_conference": ("信访工作联席会议", "joint conference on petition work"),
        "other": ("其他机关、单位", "other organ or unit"),
    },
    "notice_subject": {
        "receipt_and_route": ("接收情况以及处理途径和程序", "receipt, and the route and procedure of handling"),
        "forward_destination": ("转送、交办去向", "where the matter was forwarded or assigned"),
        "redirect": ("向有权处理的机关、单位提出", "to petition the competent organ"),
        "acceptance_decision": ("是否受理", "whether the matter is accepted"),
        "extension_reason": ("延期理由", "the reason for the extension"),
        "legal_explanation": ("释法明理，引导向有关政法部门反映",
                              "the law explained; referred to the political-legal organ"),
        "other": ("其他事项", "other"),
    },
    "outcome": {"support": ("予以支持", "supported"), "explain": ("作出解释说明", "explained"),
                "not_support": ("不予支持", "not supported")},
    "assessment": {
        "clear_and_lawful": ("请求事实清楚，符合法律、法规、规章或者其他有关规定", "request clear and lawful"),
        "reasonable_without_basis": ("请求事由合理但缺乏法律依据", "reasonable but without legal basis"),
        "unfounded": ("请求缺乏事实根据或者不符合法律、法规、规章或者其他有关规定", "unfounded"),
    },
    "procedure": {
        "litigation": ("诉讼、复议、刑事立案、法律监督、公安机关法律程序",
                       "litigation and other legal procedures"),
        "arbitration": ("仲裁", "arbitration"), "party_appeal": ("党员申诉、申请复审", "Party member appeal"),
        "administrative": ("行政裁决、行政确认、行政许可、行政处罚",
                           "administrative ruling, confirmation, licence or penalty"),
        "administrative_review": ("行政复议", "administrative reconsideration"),
        "law_enforcement": ("申请查处违法行为、履行保护人身权或者财产权等合法权益职责",
                            "request for enforcement or protection"),
    },
    "refusal_reason": {
        "outside_competence": ("不属于本机关职权范围", "outside the organ's competence"),
        "already_accepted": ("已经受理或者正在办理", "already accepted or in hand"),
        "concluded_after_rereview": ("已经复核终结", "concluded after re-review"),
        "statutory_procedure": ("应当通过法定途径解决", "to be resolved through a statutory route"),
        "late_request": ("超过请求期限", "request made too late"),
        "other": ("其他理由", "other reason"),
    },
}

_WEEKDAYS: tuple[Pair, ...] = (("星期一", "Monday"), ("星期二", "Tuesday"), ("星期三", "Wednesday"),
                               ("星期四", "Thursday"), ("星期五", "Friday"), ("星期六", "Saturday"),
                               ("星期日", "Sunday"))
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


_TRANSLATED: dict[str, bool] = {"zh": False, "en": True}
_HTML_LANG: dict[str, str] = {"zh": "zh-CN", "en": "en"}


def translated(lang: Lang) -> bool:
    """Whether a report in ``lang`` shows our translation beside the official Chinese text."""
    return _TRANSLATED[lang]


def html_lang(lang: Lang) -> str:
    return _HTML_LANG[lang]


def word(key: str, lang: Lang) -> str:
    return pick(WORDS[key], lang)


def say(key: str, lang: Lang, /, **values: object) -> str:
    """The sentence ``key`` with its blanks filled; values are passed already written in ``lang``."""
    return pick(SENTENCES[key], lang).format(**values)


def label(table: str, value: str, lang: Lang) -> str:
    """A value of the case model in words (``label("channel", "visit", "zh")`` is 走访); unknown values as given."""
    pair = LABELS[table].get(value)
    return pick(pair, lang) if pair is not None else value


def bi(pair: object, lang: Lang) -> str:
    """The ``lang`` side of a Bilingual (or any object with ``zh`` and ``en``)."""
    return str(getattr(pair, lang))


def status_label(status: str, lang: Lang) -> str:
    return label("status", status, lang)


def category_label(value: str, lang: Lang) -> str:
    return label("category", value, lang)


def channel_label(value: str, lang: Lang) -> str:
    return label("channel", value, lang)


@functools.lru_cache(maxsize=8192)  # reports write the same few hundred dates many times each
def zh_date(day: dt.date) -> str:
    """A date as Chinese prose writes it: 2025年6月3日 (ISO dates stay in tables, JSON and English)."""
    return f"{day.year}年{day.month}月{day.day}日"


def en_date(day: dt.date) -> str:
    """A date as English prose writes it: 3 June 2025."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


_DATE_WRITERS: dict[str, Callable[[dt.date], str]] = {"zh": zh_date, "en": en_date}


def date_text(day: dt.date, lang: Lang) -> str:
    """A date in prose: 2025年6月3日 / 3 June 2025."""
    return _DATE_WRITERS[lang](day)


_SHORT_DATE: dict[str, str] = {"zh": "{m}月{d}日", "en": "{d} {mon}"}
_MONTH: dict[str, str] = {"zh": "{y}年{m}月", "en": "{mon} {y}"}


def month_text(day: dt.date, lang: Lang) -> str:
    """A month on a timeline's axis: 2025年6月 / Jun 2025."""
    return _MONTH[lang].format(y=day.year, m=day.month, mon=_MONTHS[day.month - 1][:3])


def short_date(day: dt.date, lang: Lang) -> str:
    """A date without its year, for labels on a timeline: 6月3日 / 3 Jun."""
    return _SHORT_DATE[lang].format(m=day.month, d=day.day, mon=_MONTHS[day.month - 1][:3])


def weekday_text(day: dt.date, lang: Lang) -> str:
    return pick(_WEEKDAYS[day.weekday()], lang)


_UNITS: dict[str, tuple[Pair, Pair]] = {  # unit: (singular, plural) as "{n}…" templates
    "calendar_days": (("{n}日", "{n} day"), ("{n}日", "{n} days")),
    "working_days": (("{n}个工作日", "{n} working day"), ("{n}个工作日", "{n} working days")),
}


def period_text(amount: int | None, unit: str, lang: Lang) -> str:
    """A period with its unit written: 60日, 5个工作日 / 60 days; a designated period in words."""
    if amount is None or unit not in _UNITS:
        return word("designated", lang)
    singular, plural = _UNITS[unit]
    return pick(singular if amount == 1 else plural, lang).format(n=amount)


def days_text(days: int, lang: Lang) -> str:
    """A number of calendar days: 2日 / 2 days."""
    return period_text(days, "calendar_days", lang)


def joined(parts: list[str], lang: Lang) -> str:
    """Items of a list: 、 in Chinese, commas in English."""
    return word("list_sep", lang).join(parts)
