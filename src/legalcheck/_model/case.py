"""The typed case model: a petition matter (信访事项), its agencies and its timeline.

Strict: unknown keys are rejected and types are not coerced (dates are ISO strings
in YAML and JSON). Every event names the acting agency by id; agencies come from the
case file or from a shared registry file referenced by ``agency_registry``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from .._core.bilingual import Bilingual
from .._core.memo import BoundedMemo
from .._core.vocabulary import Lang, pick
from .event_facts import (
    DAYS_TO_CONCLUSION,
    PERSON_HAS_DIRECT_INTEREST,
    REASONS_GIVEN,
    RECIPIENTS,
    REPLY_TO_KIND,
    TO_PERSON_IS_ACCUSED,
    EventFacts,
)

CASE_SCHEMA_ID = "legalcheck/case/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, serialize_by_alias=True)


# --- vocabularies -------------------------------------------------------------------


class Channel(StrEnum):
    letter = "letter"  # 书信
    online = "online"  # 信息网络
    phone = "phone"  # 电话
    fax = "fax"  # 传真
    email = "email"  # 电子邮件
    visit = "visit"  # 走访


class Form(StrEnum):
    written = "written"  # 书面
    oral = "oral"  # 口头


class Category(StrEnum):
    suggestion = "suggestion"  # 建议意见类
    accusation = "accusation"  # 检举控告类
    complaint = "complaint"  # 申诉求决类


class StatutoryProcedure(StrEnum):
    """Procedures of 第三十一条第一至五项 into which a complaint must be routed."""

    litigation = "litigation"  # 诉讼、复议、刑事立案、法律监督、公安机关法律程序 (第一项)
    arbitration = "arbitration"  # 仲裁 (第二项)
    party_appeal = "party_appeal"  # 党员申诉、申请复审 (第三项)
    administrative = "administrative"  # 行政裁决、确认、许可、处罚 (第四项)
    # 行政复议 (2022 第三十一条第四项), recorded apart because the 2005 Regulations name it among the
    # statutory routes (信访条例 2005 第十四条第二款、第二十一条第一款第一项) and the other 第四项 procedures not.
    administrative_review = "administrative_review"
    law_enforcement = "law_enforcement"  # 申请查处违法行为、履行保护职责 (第五项)


class AgencyLevel(StrEnum):
    township = "township"
    county = "county"
    city = "city"
    province = "province"
    national = "national"


class AgencyKind(StrEnum):
    petition_bureau = "petition_bureau"  # 党委和政府信访部门
    political_legal = "political_legal"  # 政法部门
    # 公安机关、司法行政机关: 县级以上人民政府工作部门 (信访条例 2005 第二条), and 政法部门 under the 2022
    # Regulations; rules name them beside political_legal or the administrative kinds.
    public_security = "public_security"  # 公安机关
    justice_administration = "justice_administration"  # 司法行政机关
    discipline_inspection = "discipline_inspection"  # 纪检监察机关
    party_committee = "party_committee"  # 党委
    government = "government"  # 政府
    joint_conference = "joint_conference"  # 信访工作联席会议
    other = "other"  # 其他机关、单位


class Outcome(StrEnum):
    """The three outcomes of 第三十二条第一款."""

    support = "support"  # 予以支持
    explain = "explain"  # 作出解释说明
    not_support = "not_support"  # 不予支持


class Assessment(StrEnum):
    """What the handling agency found about the request (the premises of 第三十二条第一款)."""

    clear_and_lawful = "clear_and_lawful"  # 请求事实清楚，符合法律、法规、规章或者其他有关规定
    reasonable_without_basis = "reasonable_without_basis"  # 请求事由合理但缺乏法律依据
    unfounded = "unfounded"  # 缺乏事实根据或者不符合规定


# --- parties and agencies -------------------------------------------------------------


class Petitioner(_Model):
    """A petitioner. A name or address left out is *not recorded*; ``*_unclear: true`` records that it
    is unclear (姓名（名称）、住址不清, 第二十三条第二款): the law turns on the difference."""

    name: str | None = None
    address: str | None = None
    name_unclear: bool = False  # recorded: the name (名称) could not be established
    address_unclear: bool = False  # recorded: the address could not be established
    id_number: str | None = None
    phone: str | None = None
    organization: bool = False


# The largest count a case may state. Both engines order integers exactly only up to some size
# (durable-rules fails from 2**62 up): one bound at load time makes them agree on every input.
MAX_COUNT = 1_000_000_000


class Agency(_Model):
    id: Annotated[str, Field(min_length=1, max_length=100)]
    name: str
    name_en: str | None = None
    level: AgencyLevel
    kind: AgencyKind
    superior: str | None = None
    # 双重领导: further superiors beside ``superior`` (e.g. a county department is under the county
    # government and the department above); derived relations accept any of them.
    other_superiors: tuple[str, ...] = ()
    region: str | None = None

    @property
    def superiors(self) -> tuple[str, ...]:
        """Every superior, ``superior`` first."""
        return ((self.superior,) if self.superior is not None else ()) + self.other_superiors


class AgencyRegistry(_Model):
    """A shared file of agencies that many case files reuse."""

    schema_: Literal["legalcheck/agencies/1"] | None = Field(default=None, alias="schema")
    agencies: tuple[Agency, ...]


class Content(_Model):
    request: str | None = None  # 请求
    facts: str | None = None  # 事实
    reasons: str | None = None  # 理由


class Flags(_Model):
    litigation_related: bool = False  # 涉法涉诉 / 涉及诉讼权利救济
    # 第三十一条 sorts every complaint: a procedure of items 1-5, "none" (assessed: item 6), or not recorded (None).
    statutory_procedure: StatutoryProcedure | Literal["none"] | None = None
    major_urgent: bool = False  # 重大、紧急
    discipline_matter: bool = False  # 属于纪检监察机关受理的检举控告 (第二十二条第二款)
    complex: bool = False  # 情况复杂


class Accused(_Model):
    agencies: tuple[str, ...] = ()
    persons: tuple[str, ...] = ()


class StaffInterest(_Model):
    """A staff member handling the matter and whether they have a direct interest (第二十八条第三款)."""

    person: str
    agency: str
    direct_interest: bool


# --- events ---------------------------------------------------------------------------


def _date_order(later: str, later_value: dt.date, earlier: str, earlier_value: dt.date) -> PydanticCustomError:
    """``later`` falls before ``earlier``: the loader reports it under the code ``date-order``."""
    return PydanticCustomError("date-order", "{field} ({value}) is before {other} ({other_value})",
                               {"field": later, "value": later_value.isoformat(), "other": earlier,
                                "other_value": earlier_value.isoformat()})


class _Event(_Model):
    """What every event has. Each kind declares, on its class and nowhere else, its ``kind``, its
    ``label`` in words, its ``free_text`` fields (the ones holding someone's own words, which
    redaction masks) and the ``facts`` it contributes to what engines see (``event_facts.py``);
    tests/model/test_event_kinds.py checks that no kind lacks any of them.
    """

    label: ClassVar[Bilingual]
    # The act as the predicate of a Chinese sentence whose subject is the event's agency
    # (某县信访局于2025年6月3日「收到信访事项」); None: the label serves.
    act_zh: ClassVar[str | None] = None
    free_text: ClassVar[tuple[str, ...]] = ()
    facts: ClassVar[EventFacts]

    id: str | None = None
    date: dt.date
    agency: str
    note: str | None = None


class Received(_Event):
    """收到信访事项: directly from the petitioner, or forwarded/assigned by another body."""

    kind: Literal["received"]
    label: ClassVar[Bilingual] = Bilingual("收到", "received")
    act_zh: ClassVar[str | None] = "收到信访事项"
    facts: ClassVar[EventFacts] = EventFacts(copied=("via", "same_facts_as_concluded"), from_agency=True)
    via: Literal["direct", "forwarded", "assigned"] = "direct"
    from_agency: str | None = None
    same_facts_as_concluded: bool = False  # the same facts and reasons as a matter already re-reviewed

    @model_validator(mode="after")
    def _origin(self) -> Received:
        if self.via != "direct" and self.from_agency is None:
            raise PydanticCustomError("missing-origin", "from_agency is required when via is {via}",
                                      {"via": repr(self.via)})
        return self


class Registered(_Event):
    kind: Literal["registered"]
    label: ClassVar[Bilingual] = Bilingual("登记", "registered")
    act_zh: ClassVar[str | None] = "登记信访事项"
    facts: ClassVar[EventFacts] = EventFacts()


class Forwarded(_Event):
    kind: Literal["forwarded"]
    label: ClassVar[Bilingual] = Bilingual("转送", "forwarded")
    act_zh: ClassVar[str | None] = "转送信访事项"
    facts: ClassVar[EventFacts] = EventFacts(to_agency=True)
    to: str


class Assigned(_Event):
    kind: Literal["assigned"]
    label: ClassVar[Bilingual] = Bilingual("交办", "assigned")
    act_zh: ClassVar[str | None] = "交办信访事项"
    facts: ClassVar[EventFacts] = EventFacts(to_agency=True, dates=("report_by",))
    to: str
    report_by: dt.date  # 指定办理期限

    @model_validator(mode="after")
    def _ordered(self) -> Assigned:
        if self.report_by < self.date:
            raise _date_order("report_by", self.report_by, "date", self.date)
        return self


class Notified(_Event):
    """告知信访人."""

    kind: Literal["notified"]
    label: ClassVar[Bilingual] = Bilingual("告知", "notified")
    facts: ClassVar[EventFacts] = EventFacts(copied=("subject", "written", "on_the_spot"))
    subject: Literal[
        "receipt_and_route",  # 接收情况以及处理途径和程序
        "forward_destination",  # 转送、交办去向
        "redirect",  # 向有权处理的机关、单位提出
        "acceptance_decision",  # 是否受理
        "extension_reason",  # 延期理由
        # 释法明理，引导向有关政法部门反映 (第二十二条第二款, a visit raising a litigation problem)
        "legal_explanation",
        "other",
    ]
    written: bool
    on_the_spot: bool = False


class Objection(_Event):
    """异议 to a forwarded or assigned matter outside the agency's competence."""

    kind: Literal["objection"]
    label: ClassVar[Bilingual] = Bilingual("提出异议", "objection")
    free_text: ClassVar[tuple[str, ...]] = ("reasons",)
    facts: ClassVar[EventFacts] = EventFacts(to_agency=True, copied=("approved",), derived=(REASONS_GIVEN,))
    to: str
    reasons: str | None = None
    approved: bool | None = None


class Accepted(_Event):
    kind: Literal["accepted"]
    label: ClassVar[Bilingual] = Bilingual("受理", "accepted")
    act_zh: ClassVar[str | None] = "受理信访事项"
    facts: ClassVar[EventFacts] = EventFacts()


class Refused(_Event):
    kind: Literal["refused"]
    label: ClassVar[Bilingual] = Bilingual("不予受理", "refused")
    act_zh: ClassVar[str | None] = "决定不予受理信访事项"
    facts: ClassVar[EventFacts] = EventFacts(copied=("reason",))
    reason: Literal[
        "outside_competence", "already_accepted", "concluded_after_rereview", "statutory_procedure",
        "late_request",  # a 复查/复核 request made after its 30 days (第三十五条、第三十六条第一款)
        "other",
    ]


class Routed(_Event):
    """导入相应程序 (第三十一条第一至五项)."""

    kind: Literal["routed"]
    label: ClassVar[Bilingual] = Bilingual("导入法定程序", "routed")
    facts: ClassVar[EventFacts] = EventFacts(copied=("procedure",))
    procedure: StatutoryProcedure


class Extension(_Event):
    """延长办理期限 (第三十四条)."""

    kind: Literal["extension"]
    label: ClassVar[Bilingual] = Bilingual("延长期限", "extension")
    free_text: ClassVar[tuple[str, ...]] = ("reason",)
    facts: ClassVar[EventFacts] = EventFacts(copied=("days", "approved_by_head", "petitioner_told_reason", "reason",
                                                       "approved_by_review_committee"))
    days: Annotated[int, Field(ge=1, le=3650)]
    approved_by_head: bool
    petitioner_told_reason: bool
    reason: str | None = None
    # 经本级复查、复核委员会批准 (北京市信访条例第五十条第四款): the approval a Beijing review or
    # re-review extension needs instead of the agency head's.
    approved_by_review_committee: bool = False


class Hearing(_Event):
    """听证, from ``date`` to ``end`` inclusive."""

    kind: Literal["hearing"]
    label: ClassVar[Bilingual] = Bilingual("听证", "hearing")
    facts: ClassVar[EventFacts] = EventFacts(dates=("end",))
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Hearing:
        if self.end < self.date:
            raise _date_order("end", self.end, "date", self.date)
        return self


class OpinionIssued(_Event):
    """信访处理意见书 (第三十一条第六项, 第三十二条)."""

    kind: Literal["opinion_issued"]
    label: ClassVar[Bilingual] = Bilingual("出具处理意见书", "handling opinion issued")
    act_zh: ClassVar[str | None] = "出具信访处理意见书"
    facts: ClassVar[EventFacts] = EventFacts(copied=("states_request", "states_facts_and_reasons", "states_opinion",
                                                           "states_legal_basis", "assessment", "outcome"))
    states_request: bool
    states_facts_and_reasons: bool
    states_opinion: bool
    states_legal_basis: bool
    assessment: Assessment | None = None
    outcome: Outcome


class ReplyDelivered(_Event):
    """书面答复 received by the petitioner: starts the 30 days to request review."""

    kind: Literal["reply_delivered"]
    label: ClassVar[Bilingual] = Bilingual("送达答复", "reply delivered")
    act_zh: ClassVar[str | None] = "送达答复"
    facts: ClassVar[EventFacts] = EventFacts(copied=("written", "petitioner_consented_to_oral"),
                                               derived=(DAYS_TO_CONCLUSION, REPLY_TO_KIND))
    written: bool | None = None  # None: not recorded (rules then say undetermined, never presume writing)
    petitioner_consented_to_oral: bool = False  # 经信访人同意 口头告知、答复 (北京市信访条例第四十五条)


class Supervision(_Event):
    """督促有关机关、单位执行 (第三十二条第二款)."""

    kind: Literal["supervision"]
    label: ClassVar[Bilingual] = Bilingual("督促执行", "supervision")
    facts: ClassVar[EventFacts] = EventFacts(to_agency=True)
    to: str | None = None


class Concluded(_Event):
    kind: Literal["concluded"]
    label: ClassVar[Bilingual] = Bilingual("办结", "concluded")
    act_zh: ClassVar[str | None] = "办结信访事项"
    facts: ClassVar[EventFacts] = EventFacts()


class Agreement(_Event):
    """调解、和解达成一致意见 (第三十三条)."""

    kind: Literal["agreement"]
    label: ClassVar[Bilingual] = Bilingual("调解或和解", "agreement")
    facts: ClassVar[EventFacts] = EventFacts(copied=("type", "document_made"))
    type: Literal["mediation", "settlement"]
    document_made: bool


class ReviewRequested(_Event):
    """复查请求, dated the day the reviewing body received it; ``agency`` is the reviewing body."""

    kind: Literal["review_requested"]
    label: ClassVar[Bilingual] = Bilingual("请求复查", "review requested")
    act_zh: ClassVar[str | None] = "收到复查请求"
    facts: ClassVar[EventFacts] = EventFacts()


class ReviewOpinion(_Event):
    kind: Literal["review_opinion"]
    label: ClassVar[Bilingual] = Bilingual("复查意见", "review opinion")
    act_zh: ClassVar[str | None] = "提出复查意见"
    facts: ClassVar[EventFacts] = EventFacts(copied=("written",))
    written: bool | None = None  # None: not recorded (rules then say undetermined, never presume writing)


class RereviewRequested(_Event):
    kind: Literal["rereview_requested"]
    label: ClassVar[Bilingual] = Bilingual("请求复核", "re-review requested")
    act_zh: ClassVar[str | None] = "收到复核请求"
    facts: ClassVar[EventFacts] = EventFacts()


class RereviewOpinion(_Event):
    kind: Literal["rereview_opinion"]
    label: ClassVar[Bilingual] = Bilingual("复核意见", "re-review opinion")
    act_zh: ClassVar[str | None] = "提出复核意见"
    facts: ClassVar[EventFacts] = EventFacts(copied=("written",))
    written: bool | None = None  # None: not recorded (rules then say undetermined, never presume writing)


class CompletionReport(_Event):
    """办结报告 to the assigning body (第二十二条第一款第三项)."""

    kind: Literal["completion_report"]
    label: ClassVar[Bilingual] = Bilingual("提交办结报告", "completion report")
    facts: ClassVar[EventFacts] = EventFacts(to_agency=True)
    to: str


class UrgentReport(_Event):
    """报告 of a major or urgent matter (第二十五条)."""

    kind: Literal["urgent_report"]
    label: ClassVar[Bilingual] = Bilingual("报告重大紧急事项", "urgent report")
    facts: ClassVar[EventFacts] = EventFacts(derived=(RECIPIENTS,))
    to: tuple[
        Literal[
            "party_committee", "government", "competent_department", "joint_conference_office",
            "superior_petition_bureau", "national_bureau",
        ],
        ...,
    ]


class Recusal(_Event):
    kind: Literal["recusal"]
    label: ClassVar[Bilingual] = Bilingual("回避", "recusal")
    facts: ClassVar[EventFacts] = EventFacts(copied=("person",), derived=(PERSON_HAS_DIRECT_INTEREST,))
    person: str


class ImprovementSuggestion(_Event):
    """督办并提出改进建议 by a petition bureau (信访条例 2005 第三十六条第一款; 2022 第四十条).

    ``agency`` is the bureau, ``to`` the agency that receives the suggestion; date it the day
    ``to`` received it (the feedback period runs from receipt).
    """

    kind: Literal["improvement_suggestion"]
    label: ClassVar[Bilingual] = Bilingual("提出改进建议", "improvement suggestion")
    act_zh: ClassVar[str | None] = "提出改进建议"
    facts: ClassVar[EventFacts] = EventFacts(to_agency=True)
    to: str


class SuggestionFeedback(_Event):
    """反馈 on an improvement suggestion, by the agency that received it, to the bureau (``to``)."""

    kind: Literal["suggestion_feedback"]
    label: ClassVar[Bilingual] = Bilingual("反馈改进建议采纳情况", "suggestion feedback")
    act_zh: ClassVar[str | None] = "反馈改进建议"
    free_text: ClassVar[tuple[str, ...]] = ("reasons",)
    facts: ClassVar[EventFacts] = EventFacts(to_agency=True, copied=("written", "adopted"), derived=(REASONS_GIVEN,))
    to: str
    written: bool | None = None  # None: not recorded (rules then say undetermined, never presume writing)
    adopted: bool  # 采纳 (false: not, or not wholly, adopted)
    reasons: str | None = None  # 未采纳的理由


class Disclosed(_Event):
    """透露、转给 accusation materials or information to someone."""

    kind: Literal["disclosed"]
    label: ClassVar[Bilingual] = Bilingual("透露或转给材料", "disclosed")
    act_zh: ClassVar[str | None] = "透露或者转给检举控告材料"
    facts: ClassVar[EventFacts] = EventFacts(to_agency=True, copied=("to_person",), derived=(TO_PERSON_IS_ACCUSED,))
    to: str | None = None  # an agency id
    to_person: str | None = None


class Consultation(_Event):
    """协商受理 among the agencies involved, or a decision by their common superior (第二十四条)."""

    kind: Literal["consultation"]
    label: ClassVar[Bilingual] = Bilingual("协商受理", "consultation")
    act_zh: ClassVar[str | None] = "就受理进行协商"
    facts: ClassVar[EventFacts] = EventFacts(copied=("outcome", "handling_agency"))
    outcome: Literal["agreed", "disputed", "decided_by_superior", "coordinated_by_joint_conference"]
    handling_agency: str | None = None


Event = Annotated[
    Union[
        Received, Registered, Forwarded, Assigned, Notified, Objection, Accepted, Refused, Routed,
        Extension, Hearing, OpinionIssued, ReplyDelivered, Supervision, Concluded, Agreement,
        ReviewRequested, ReviewOpinion, RereviewRequested, RereviewOpinion, CompletionReport,
        UrgentReport, Recusal, Disclosed, Consultation, ImprovementSuggestion, SuggestionFeedback,
    ],
    Field(discriminator="kind"),
]

EVENT_CLASSES: tuple[type[_Event], ...] = get_args(get_args(Event)[0])
EVENT_KINDS: tuple[str, ...] = tuple(get_args(cls.model_fields["kind"].annotation)[0] for cls in EVENT_CLASSES)
_BY_KIND: dict[str, type[_Event]] = dict(zip(EVENT_KINDS, EVENT_CLASSES))


def event_label(kind: str, lang: Lang) -> str:
    """An event kind in words, as its class declares it; an unknown kind is shown as its id."""
    cls = _BY_KIND.get(kind)
    if cls is not None:
        return cls.label.get(lang)
    return pick((kind, kind.replace("_", " ")), lang)


def event_act_zh(kind: str) -> str:
    """An event kind as the predicate of a Chinese sentence whose subject is its agency."""
    cls = _BY_KIND.get(kind)
    return (cls.act_zh or cls.label.zh) if cls is not None else kind


def event_free_text(event: BaseModel) -> tuple[str, ...]:
    """The fields of ``event`` that hold someone's own words (masked by redaction)."""
    return event.free_text if isinstance(event, _Event) else ()


# --- the case -------------------------------------------------------------------------


class Case(_Model):
    """One petition matter (信访事项) and everything done with it."""

    schema_: Literal["legalcheck/case/1"] | None = Field(default=None, alias="schema")
    id: Annotated[str, Field(min_length=1, max_length=200)]
    title: str | None = None
    province: str | None = None  # selects a local rule pack, e.g. 北京市
    petitioners: tuple[Petitioner, ...] = ()
    headcount: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 1
    representatives: tuple[str, ...] = ()
    channel: Channel
    form: Form | None = None  # defaults from the channel: visits and calls are oral
    category: Category
    content: Content = Content()
    flags: Flags = Flags()
    competent_agencies: tuple[str, ...] = ()  # 有权处理的机关、单位
    involved_agencies: tuple[str, ...] = ()  # 第二十四条: matters involving several agencies
    accused: Accused = Accused()
    staff_interests: tuple[StaffInterest, ...] = ()
    status: Literal["open", "closed"] = "open"
    agency_registry: str | None = None  # path of a shared AgencyRegistry, relative to the case file
    agencies: tuple[Agency, ...] = ()
    events: tuple[Event, ...] = ()

    @property
    def effective_form(self) -> Form:
        if self.form is not None:
            return self.form
        return Form.oral if self.channel in (Channel.visit, Channel.phone) else Form.written

    @property
    def no_petitioner_notifiable(self) -> bool:
        """The 第二十三条第二款 exception: petitioners are recorded and every one's name or address
        is recorded unclear."""
        return bool(self.petitioners) and all(_unclear(p) for p in self.petitioners)

    @property
    def petitioner_notifiable(self) -> bool:
        """Some petitioner has a name and an address on file, neither recorded as unclear."""
        return any(p.name and p.address and not _unclear(p) for p in self.petitioners)

    @property
    def petitioner_particulars_unclear(self) -> bool:
        """Some petitioner's name or address is recorded as unclear."""
        return any(_unclear(p) for p in self.petitioners)

    @property
    def petitioner_particulars_unrecorded(self) -> bool:
        """No petitioner is recorded, or one's name or address is neither entered nor recorded as unclear."""
        return not self.petitioners or any(
            (not p.name and not p.name_unclear) or (not p.address and not p.address_unclear) for p in self.petitioners)

    def agency(self, agency_id: str) -> Agency | None:
        return agency_index(self.agencies).get(agency_id)


def _unclear(petitioner: Petitioner) -> bool:
    return petitioner.name_unclear or petitioner.address_unclear


class AgencyIndex(dict[str, Agency]):
    """Agencies by id, with room for values derived from these agencies alone (``derived``)."""

    __slots__ = ("derived",)

    def __init__(self) -> None:
        super().__init__()
        self.derived: dict[Any, Any] = {}


# Cases loaded with a shared registry share its tuple of agencies: index each tuple once.
# Entries keep their tuple alive, so an id() found here still names that tuple.
_INDEXES: BoundedMemo[int, tuple[tuple[Agency, ...], AgencyIndex]] = BoundedMemo(64)


def agency_index(agencies: tuple[Agency, ...]) -> AgencyIndex:
    """The agencies by id (the first of a repeated id, which the case loader rejects anyway)."""
    entry = _INDEXES.get(id(agencies))
    if entry is not None and entry[0] is agencies:
        return entry[1]
    index = AgencyIndex()
    for agency in agencies:
        index.setdefault(agency.id, agency)
    _INDEXES.keep(id(agencies), (agencies, index))  # a batch uses a few registries
    return index


def agency_references(case: Case) -> list[tuple[tuple[str | int, ...], str]]:
    """Every (field path, agency id) the case uses, for reference checking."""
    refs: list[tuple[tuple[str | int, ...], str]] = []
    for index, agency in enumerate(case.agencies):
        if agency.superior is not None:
            refs.append((("agencies", index, "superior"), agency.superior))
        refs.extend((("agencies", index, "other_superiors", i), ref) for i, ref in enumerate(agency.other_superiors))
    for field_name in ("competent_agencies", "involved_agencies"):
        refs.extend(((field_name, i), ref) for i, ref in enumerate(getattr(case, field_name)))
    refs.extend((("accused", "agencies", i), ref) for i, ref in enumerate(case.accused.agencies))
    refs.extend((("staff_interests", i, "agency"), s.agency) for i, s in enumerate(case.staff_interests))
    for index, event in enumerate(case.events):
        for attr in ("agency", "to", "from_agency", "handling_agency"):
            value = getattr(event, attr, None)
            if isinstance(value, str):
                refs.append((("events", index, attr), value))
    return refs
