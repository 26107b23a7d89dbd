"""A rule explained for people: what it checks, why (the article), its examples.

Used by ``legalcheck rules show`` and to generate ``docs/rules/``.
"""

from __future__ import annotations

from typing import Literal

import yaml

from ._evaluator import citation
from ._regulations import Corpus
from ._rules import CompiledRule

Lang = Literal["zh", "en"]

_HEADINGS = {
    "zh": ("严重程度", "有效期", "依据", "责任条款", "条文依据", "说明", "解释", "取代", "示例", "至今",
           "预期"),
    "en": ("Severity", "In force", "Grounds", "Liability", "Words relied on", "Explanation", "Readings",
           "Displaces", "Examples", "open-ended", "expect"),
}


def render_rule_text(compiled: CompiledRule, corpus: Corpus, lang: Lang) -> str:
    rule = compiled.rule
    h = _HEADINGS[lang]
    lines = [f"{rule.id} {rule.name}", getattr(rule.title, lang), ""]
    lines.append(f"{h[0]}: {rule.severity}")
    lines.append(f"{h[1]}: {rule.effective_from} – {rule.effective_until or h[9]}")
    for label, specs in ((h[2], rule.citations), (h[3], rule.liability)):
        for spec in specs:
            cited = citation(corpus, spec)
            lines.append(f"{label}: {getattr(cited.label, lang)}")
            lines.append(f"  「{cited.text_zh}」")
            if lang == "en" and cited.text_en:
                lines.append(f"  \"{cited.text_en}\"")
    lines.append(f"{h[4]}: {getattr(rule.grounds, lang)}")
    lines.append(f"{h[5]}: {getattr(rule.explanation, lang)}")
    if rule.readings:
        lines.append(f"{h[6]}: {', '.join(rule.readings)}")
    if rule.overrides:
        lines.append(f"{h[7]}: {', '.join(rule.overrides)}")
    lines.append("")
    lines.append(f"{h[8]}:")
    for example in rule.examples:
        lines.append(f"- {example.name} ({h[10]}: {example.expect}"
                     + (f", as_of {example.as_of}" if example.as_of else "") + ")")
        dumped = yaml.safe_dump(example.case, allow_unicode=True, sort_keys=False, default_flow_style=None)
        lines.extend("    " + line for line in dumped.rstrip().splitlines())
    return "\n".join(lines)
