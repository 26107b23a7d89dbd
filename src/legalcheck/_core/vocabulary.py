"""The words of every report, in Chinese and English, so no two reporters word a thing differently."""

from __future__ import annotations

import datetime as dt
from typing import Literal

Lang = Literal["zh", "en"]
Severity = Literal["violation", "warning", "notice"]
SEVERITIES: tuple[str, ...] = ("violation", "warning", "notice")
# The column headings of the counts.
COUNT_HEADINGS = ("violation_h", "warning_h", "notice_h", "pending_h", "undetermined_h")
COUNT_KEYS = (*SEVERITIES, "pending", "undetermined")  # the Counts fields those headings show
MARKS = {"violation": "✗", "warning": "!", "notice": "i"}

WORDS: dict[str, tuple[str, str]] = {
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
    "cases": ("案件", "cases"),
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
    "open": ("办理中", "open"),
    "closed": ("已办结", "closed"),
    "grounds": ("依据", "Provision"),
    "original": ("原文", "Chinese original"),
    "translation": ("译文（非官方）", "Our translation (unofficial)"),
    "liability": ("责任条款", "Liability"),
    "words": ("所依据的文字", "Words relied on"),
    "evidence": ("证据", "Evidence"),
    "path": ("路径", "Path"),
    "event": ("事件", "Event"),
    "date": ("日期", "Date"),
    "agency": ("机关", "Agency"),
    "field": ("字段", "Field"),
    "value": ("值", "Value"),
    "note": ("备注", "Note"),
    "deadline": ("期限计算", "Deadline arithmetic"),
    "item": ("项目", "Item"),
    "start": ("起算日", "Start"),
    "period": ("期间", "Period"),
    "excluded": ("不计入的日期", "Excluded days"),
    "extension": ("延长天数", "Extension (days)"),
    "holidays": ("期间内的法定节假日", "Holidays crossed"),
    "strict_due": ("严格届满日", "Strict due date"),
    "rolled_due": ("顺延后届满日", "Rolled-over due date"),
    "effective_due": ("适用的届满日", "Due date applied"),
    "roll_over": ("期间末日顺延", "Roll-over"),
    "actual": ("实际完成日", "Done on"),
    "open_as_of": ("截至该日仍未完成", "Open as of"),
    "days_late": ("逾期天数", "Days late"),
    "days_left": ("剩余天数", "Days left"),
    "outcome": ("结论", "Outcome"),
    "steps": ("计算步骤", "Steps"),
    "readings_used": ("所依解释", "Readings"),
    "pack": ("地方规则包", "Local pack"),
    "displaces": ("取代全国规则", "Displaces national rule"),
    "docket": ("待办事项", "Pending obligations (docket)"),
    "rule": ("规则", "Rule"),
    "obligation": ("义务", "Obligation"),
    "trigger": ("触发事件", "Trigger"),
    "due": ("届满日", "Due"),
    "no_period": ("条文未规定期限", "no period set by the provision"),
    "none": ("无", "none"),
    "readings": ("适用的解释", "Readings applied"),
    "receipt": ("回执", "Receipt"),
    "version": ("legalcheck 版本", "legalcheck version"),
    "engine": ("引擎", "Engine"),
    "ruleset_version": ("规则集版本", "Rule-set version"),
    "ruleset_sha": ("规则集哈希（SHA-256）", "Rule-set hash (SHA-256)"),
    "regulation_sha": ("法规文本哈希（SHA-256）", "Regulation hash (SHA-256)"),
    "calendar_sha": ("日历哈希（SHA-256）", "Calendar hash (SHA-256)"),
    "input_sha": ("输入文件哈希（SHA-256）", "Input hash (SHA-256)"),
    "on": ("开启（民法典第二百零三条）", "on (Civil Code art. 203)"),
    "off": ("关闭", "off"),
    "summary": ("汇总", "Summary"),
    "by_rule": ("按规则统计", "By rule"),
    "by_agency": ("按机关统计", "By agency"),
    "ranked": ("案件（最严重者在前）", "Cases, most serious first"),
    "affected": ("涉及案件数", "Cases"),
    "whole_case": ("（案件整体）", "(case as a whole)"),
    "rejected": ("拒收的文件", "Rejected files"),
    "file": ("文件", "File"),
    "line": ("行", "Line"),
    "column": ("列", "Column"),
    "problem": ("问题", "Problem"),
    "input_error": ("输入错误", "input error"),
    "internal_error": ("内部错误", "internal error"),
    "timeline": ("时间线", "Timeline"),
    "chronology": ("事件经过", "Chronology"),
    "later_events": ("另有 {n} 个事件晚于截至日期，未纳入检查",
                     "{n} later event(s) after the as-of date not considered"),
    "contents": ("目录", "Contents"),
    "events_short": ("相关事件", "events"),
    "deadline_short": ("期限", "deadline"),
    "under": ("适用", "under"),
    "governing_h": ("适用的规定", "Instruments that governed"),
    "selection_readings": ("选择适用规定所依据的解读", "readings that selected them"),
    "reading": ("解释", "reading"),
    "generated": ("由 legalcheck 生成；中文为法规的正式文本，英文为非官方译文。",
                  "Generated by legalcheck. The Chinese text of the law is authoritative; English is our "
                  "unofficial translation."),
}

_STATUS = {
    "met": ("按期完成", "met"),
    "met_by_roll_over": ("仅因期末顺延而按期", "met only because the due date rolled over"),
    "late": ("逾期完成", "done late"),
    "overdue": ("逾期未完成", "overdue, not done"),
    "pending": ("期限未届满", "pending, period still running"),
}

_CATEGORY = {"suggestion": ("建议意见类", "suggestion"), "accusation": ("检举控告类", "accusation"),
             "complaint": ("申诉求决类", "complaint or claim")}
_CHANNEL = {"letter": ("书信", "letter"), "online": ("信息网络", "online"), "phone": ("电话", "phone"),
            "fax": ("传真", "fax"), "email": ("电子邮件", "email"), "visit": ("走访", "visit")}


def word(key: str, lang: Lang) -> str:
    zh, en = WORDS[key]
    return zh if lang == "zh" else en


def bi(pair: object, lang: Lang) -> str:
    """The ``lang`` side of a Bilingual (or any object with ``zh`` and ``en``)."""
    return str(getattr(pair, lang))


def status_label(status: str, lang: Lang) -> str:
    zh, en = _STATUS.get(status, (status, status))
    return zh if lang == "zh" else en


def category_label(value: str, lang: Lang) -> str:
    zh, en = _CATEGORY.get(value, (value, value))
    return zh if lang == "zh" else en


def channel_label(value: str, lang: Lang) -> str:
    zh, en = _CHANNEL.get(value, (value, value))
    return zh if lang == "zh" else en


def zh_date(day: dt.date) -> str:
    """A date as Chinese prose writes it: 2025年6月3日 (ISO dates stay in tables, JSON and English)."""
    return f"{day.year}年{day.month}月{day.day}日"


def value_labels() -> dict[str, dict[str, str]]:
    """Chinese label -> identifier for each case vocabulary these tables word (channel, category,
    status): case input accepts exactly the words the reports print (see ``legalcheck._model.fields``)."""
    return {"channel": {zh: value for value, (zh, _en) in _CHANNEL.items()},
            "category": {zh: value for value, (zh, _en) in _CATEGORY.items()},
            "status": {WORDS[value][0]: value for value in ("open", "closed")}}
