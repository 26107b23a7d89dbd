"""A text in Chinese (authoritative) and English (ours): the one value type for data-side texts.

(Report models use the pydantic ``legalcheck._model.findings.Bilingual`` so that they serialise and have a
JSON Schema; everything else — regulation titles, holiday names, explanation steps,
coverage notes — uses this.)
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import Lang, pick


@dataclass(frozen=True, slots=True)
class Bilingual:
    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return pick((self.zh, self.en), lang)
