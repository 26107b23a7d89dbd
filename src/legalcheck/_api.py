"""The library verbs: ``load_case`` for every source, and ``check`` / ``is_compliant`` / ``iter_findings`` on a
default evaluator per engine built on first use."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path

from ._core.vocabulary import Lang
from ._engines.protocol import EngineName
from ._evaluation.evaluator import Evaluator
from ._model.case import Case
from ._model.findings import Finding, Report
from ._model.loader import CaseSource, RegistrySource
from ._model.loader import load_case as _load_case


@functools.lru_cache(maxsize=4)
def default_evaluator(engine: EngineName | None = None, calendar_files: tuple[Path, ...] = ()) -> Evaluator:
    """The evaluator over the bundled rules, regulations and calendars (built once per engine).

    ``engine=None`` is durable-rules where it runs (Python < 3.13), else the native engine.
    """
    return Evaluator(engine=engine, calendar_files=calendar_files)


def load_case(source: CaseSource, *, registry: RegistrySource | None = None, base_dir: str | Path | None = None,
              lang: Lang = "en") -> Case:
    """Read and validate one case from any source; the one way a ``Case`` that ``check`` accepts is made.

    ``source`` is a path (``str`` or ``pathlib.Path``; ``.yaml``, ``.yml`` or ``.json``), a mapping
    (e.g. parsed JSON; ``datetime.date`` values and enum members are accepted), YAML or JSON text
    (a ``str`` spanning lines or starting with ``{``), ``bytes``, or a ``Case`` to validate again.
    Every route runs the same validation: values may be written as the Chinese labels the reports
    print (``channel: 走访``, ``kind: 收到``) and dates as ``2025年4月7日``; they are normalised to the
    identifiers and ISO dates that ``Case`` holds and dumps.

    Agencies come from the case itself (``agencies``), from the registry file it names
    (``agency_registry``, relative to the case file, or to ``base_dir`` — default the working
    directory — for text and mappings), or from ``registry``: a path, a mapping or an
    ``AgencyRegistry``, used instead of the file the case names. The returned case holds its
    agencies and names no registry, so ``load_case(case.model_dump_json()) == case``.

    Raises :class:`CaseError`: ``error.problems`` lists every :class:`Problem` with its
    :class:`Location` (file, line and column where there is text; the field path always) and a
    stable ``code`` (``error.codes``; see docs/errors.md). ``lang="zh"`` words ``str(error)`` in
    Chinese; ``problem.text(lang)`` gives either language.
    """
    return _load_case(source, registry=registry, base_dir=base_dir, lang=lang)


def check(case: Case, *, as_of: dt.date | None = None, engine: EngineName | None = None, roll_over: bool = True,
          packs: Sequence[str] | None = None) -> Report:
    """Check one case and return its report (findings, pending obligations, undetermined rules, receipt).

    Raises :class:`UnvalidatedCaseError` for a case whose agency references do not resolve
    (one that did not come from ``load_case``).

    ``as_of`` (default: today) is the date the case is judged on: later events are not
    yet known, and unfulfilled obligations are pending or overdue relative to it.
    ``roll_over`` applies 民法典 第二百零三条 to calendar-day periods (see rules/readings.yaml).
    ``packs`` selects local rule packs; by default they follow the case's province.
    """
    return default_evaluator(engine).check(case, as_of=as_of, roll_over=roll_over, packs=packs)


def iter_findings(case: Case, *, as_of: dt.date | None = None, engine: EngineName | None = None,
                  roll_over: bool = True, packs: Sequence[str] | None = None) -> Iterator[Finding]:
    """Yield the case's findings, most severe first."""
    yield from check(case, as_of=as_of, engine=engine, roll_over=roll_over, packs=packs).findings


def is_compliant(case: Case, *, as_of: dt.date | None = None, engine: EngineName | None = None,
                 roll_over: bool = True, packs: Sequence[str] | None = None) -> bool:
    """True when the case has no finding of severity ``violation`` and no rule is undetermined for want
    of a recorded fact: ``check(...).compliant``, decided without building the report (for systems
    that check every case on save)."""
    return default_evaluator(engine).is_compliant(case, as_of=as_of, roll_over=roll_over, packs=packs)
