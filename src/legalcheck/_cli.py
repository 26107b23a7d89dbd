"""The command line: ``legalcheck check|due|deadline|rules|schema|coverage``.

Exit codes: 0 no violation, 1 violations found, 2 bad input or usage (or an output that cannot be
written), 3 internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import gc
import json
import os
import signal
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, TypeVar

import click

from ._core.errors import InputError, LegalcheckError
from ._core.version import __version__
from ._core.vocabulary import say
from ._engines.protocol import ENGINE_NAMES, available_engines, durable_unavailable_reason

# A command imports what it needs when it runs (docs/performance.md, start-up): `--version` and
# `deadline` never build the case or report models, nor load the report formats.
if TYPE_CHECKING:
    from ._batch.pool import BatchItem, BatchOptions, Output, Progress, Summary
    from ._model.findings import Undetermined

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_UNDETERMINED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM  # 130, 143: the shell's convention
# One document (Markdown, HTML) holds every report in memory until it is written: above this
# many inputs the run stops with a usage error pointing to jsonl, which streams.
MAX_DOCUMENT_INPUTS = 20_000


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so workers are stopped and no partial report replaces the last."""


def _raise_terminated(_signum: int, _frame: object) -> None:
    raise Terminated()


class _FormatChoice(click.Choice[str]):
    """``--format``'s choices, asked of the report registry only when a command line is parsed."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        from ._report.registry import names

        return names()

    @choices.setter
    def choices(self, _value: object) -> None:
        pass

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ._report.registry import lookup

        try:
            return lookup(value).name  # the one format asked for, without loading the others
        except (KeyError, TypeError, AttributeError):
            return super().convert(value, param, ctx)  # names every choice


def __getattr__(name: str) -> Any:
    if name == "FORMATS":  # every format's name, in --format order (loads the reporters)
        from ._report.registry import names

        return names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_message())
        ctx.exit()


def _no_cache(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:  # in the environment, so that worker processes see it too
        os.environ["LEGALCHECK_NO_CACHE"] = "1"


def _version_message() -> str:
    engines = ", ".join(available_engines())
    reason = durable_unavailable_reason()
    note = f" (durable unavailable: {reason})" if reason else ""
    return f"legalcheck {__version__}; engines: {engines}{note}; Python {sys.version.split()[0]}"


class _Command(click.Command):
    """A command whose run starts the cyclic garbage collector, paused while the command line is read."""

    def invoke(self, ctx: click.Context) -> Any:
        if not isinstance(self, _LoadingCommand):
            _collect_garbage()
        return super().invoke(ctx)


class _LoadingCommand(_Command):
    """A command that starts the collector itself once it has loaded its evaluator, before the first input."""


class _Group(click.Group):
    command_class = _Command
    group_class = type  # subgroups (``rules``) are _Groups too


# Reading the command line imports what the command needs, and check and due then load their rules:
# some 60,000 objects (models, tables, the rule set) that live as long as the process. Collecting
# garbage meanwhile only traverses them again and again (about a tenth of a single-case run): main()
# pauses the collector, and it runs again from the moment a command starts (check and due: once
# their evaluator is built, before the first input), never scanning those objects again (gc.freeze).
_paused_collector = False


def _collect_garbage() -> None:
    global _paused_collector
    if _paused_collector:
        _paused_collector = False
        gc.freeze()
        gc.enable()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version (and which engines run here) and exit.")
@click.option("--no-cache", is_flag=True, expose_value=False, is_eager=True, callback=_no_cache,
              help="Load rules and regulations from their files, not the compiled cache (LEGALCHECK_NO_CACHE=1).")
def cli() -> None:
    """Check petition case files (信访事项) against China's Petition Work Regulations."""


_lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                            help="Language of report text (Chinese is the authoritative language of the law).")
_as_of_option = click.option("--as-of", "as_of", callback=_parse_date, metavar="DATE",
                             help="Judge the cases as of this date (default: today, always printed).")
_calendar_option = click.option("--calendar", "calendar_files", multiple=True,
                                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                help="Extra calendar override file (e.g. a new year's holiday schedule).")
_engine_option = click.option("--engine", type=click.Choice(ENGINE_NAMES), default=None,
                              help="Evaluator (default: durable where it runs, else native).")


def _open_output(output: Path | None) -> contextlib.AbstractContextManager[TextIO]:
    """The report file (written beside it and renamed into place when complete), or stdout (never closed)."""
    if not output:
        return contextlib.nullcontext(sys.stdout)
    from ._batch.output import atomic_output

    return atomic_output(output)


@cli.command(cls=_LoadingCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=_FormatChoice(), default="text", show_default=True)
@_engine_option
@_as_of_option
@click.option("--roll-over/--no-roll-over", default=True, show_default=True,
              help="Roll a calendar-day deadline ending on a rest day to the next working day (民法典第二百零三条).")
@click.option("--pack", "packs", multiple=True, help="Local rule pack (default: by the case's province).")
@_calendar_option
@_lang_option
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="Write the report here (with --cluster: the directory of part-*.jsonl and summary.json).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores for text and jsonl, 1 for the other formats).")
@click.option("--verbose", "-v", is_flag=True, help="Text format: quote articles and show the deadline steps.")
@click.option("--redact", is_flag=True, help="Mask personal data in every format.")
@click.option("--audit", is_flag=True,
              help="Text format: field paths, rule names, hashes and versions with each case (Markdown and HTML "
                   "always have them in an appendix at the end).")
@click.option("--cluster", metavar="local:N|tcp://HOST:PORT",
              help="Check on a Dask cluster: N local worker processes, or a running scheduler (docs/cluster.md).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Ledger mapping file: how the columns of .xlsx/.csv ledgers become cases (docs/ledger.md).")
def check(paths: tuple[str, ...], fmt: str, engine: str | None, as_of: dt.date | None, roll_over: bool,
          packs: tuple[str, ...], calendar_files: tuple[Path, ...], lang: str, output: Path | None,
          jobs: int | None, verbose: bool, redact: bool, audit: bool, cluster: str | None,
          mapping: Path | None) -> None:
    """Check case files, directories (YAML, JSON, JSON Lines) or ledgers (.xlsx, .csv) and report findings.

    Exit codes: 0 no violation and nothing undetermined; 1 violations; 2 bad input or usage;
    3 internal error; 4 no violation, but some obligations undetermined (a fact is not recorded);
    130 interrupted (Ctrl-C); 143 terminated (SIGTERM).
    """
    from ._batch.pool import BatchOptions, Progress, Summary, check_paths, default_jobs, map_paths
    from ._report.registry import Destination, lookup
    from ._report.rendering import Rendering

    reporter = lookup(fmt)
    if reporter.writes_file and output is None:
        raise click.UsageError(f"--format {fmt} writes a {reporter.writes_file}: give --output FILE.{fmt}")
    options = BatchOptions(as_of=as_of or dt.date.today(), engine=engine,  # type: ignore[arg-type]
                      roll_over=roll_over, packs=packs or None, calendar_files=calendar_files, mapping=mapping,
                      met=fmt in ("html", "pdf"))  # the HTML timeline draws every deadline, those met too
    if cluster is not None:
        _collect_garbage()
        sys.exit(_check_on_cluster(paths, options, fmt, lang, output, redact, cluster))
    if output is not None:
        if output.is_dir():
            raise click.BadParameter(f"{output} is a directory (a directory is for --cluster)", param_hint="--output")
        from ._batch.output import refuse_output_among_inputs

        refuse_output_among_inputs(output, [Path(p) for p in paths])
    summary = Summary()
    repeats = _RepeatedIds(redact=redact)
    # The evaluator is built before the first case: a bad rule or --calendar file is one error (exit 2).
    items: Iterator[BatchItem] | Iterator[Output]
    if reporter.streams:
        # Streaming formats are rendered in the worker that checked the case: only text crosses processes.
        rendering = Rendering(fmt, lang, verbose=verbose, redact=redact, audit=audit)  # type: ignore[arg-type]
        items = repeats.watch(map_paths(list(paths), options, rendering, jobs=jobs or default_jobs(),
                                        on_skip=summary.skip))
    else:
        # One document needs every report in this process, and shipping a report between processes
        # costs about what checking the case does (docs/performance.md): one process unless asked.
        items = repeats.watch(check_paths(list(paths), options, jobs=jobs or 1, on_skip=summary.skip))
        if redact:
            from ._report.redact import redact_item

            items = (redact_item(item) for item in items)
    _collect_garbage()  # the evaluator is built; the inputs are read from here on
    # Silent unless stderr is a terminal, CI is unset and the run is long; never over a report on the terminal.
    progress = Progress(sys.stderr, wanted=output is not None or not sys.stdout.isatty())
    try:
        if reporter.writes_file:
            reporter.write(items, summary, Destination(  # type: ignore[arg-type]
                lang, output=output, paths=tuple(Path(p) for p in paths),  # type: ignore[arg-type]
                mapping=mapping, redact=redact, progress=progress))
        else:
            with _open_output(output) as stream:
                _emit(items, summary, fmt, lang, stream, verbose, progress, audit=audit)
    except (KeyboardInterrupt, Terminated):
        # Stop the workers now (closing the iterator shuts the pool down), then say how far the run got.
        _close(items)
        progress.close()
        kept = say("kept_output", lang, output=output) if output else ""  # type: ignore[arg-type]
        click.echo(say("interrupted", lang, summary=_summary_text(summary, lang)) + kept, err=True)  # type: ignore[arg-type]
        raise
    finally:
        progress.close()
    repeats.close()
    if fmt != "text" or output is not None:  # the report is elsewhere: the operator still sees the counts
        reasons = summary.reasons_text(lang)  # type: ignore[arg-type]
        skipped = summary.skipped_text(lang)  # type: ignore[arg-type]
        click.echo("\n".join(filter(None, (skipped, _summary_text(summary, lang), reasons))), err=True)
    sys.exit(summary.exit_code)


_ItemT = TypeVar("_ItemT", "BatchItem", "Output")


class _RepeatedIds:
    """Warns on stderr when a case id repeats in the batch (code ``duplicate-case-id``); both cases are checked."""

    SHOWN = 20  # then only counted: a batch of copies must not bury its report under warnings

    def __init__(self, *, redact: bool) -> None:
        from ._batch.pool import CaseIds

        self._ids = CaseIds()
        self._redact = redact
        self.count = 0

    def watch(self, items: Iterator[_ItemT]) -> Iterator[_ItemT]:
        from ._batch.pool import Output

        try:
            for item in items:
                case_id = item.case_id if isinstance(item, Output) else (
                    item.report.case_id if item.report is not None else None)
                if case_id is not None and self._ids.repeated(case_id):
                    self._warn(item.source, case_id)
                yield item
        finally:
            _close(items)

    def _warn(self, source: str, case_id: str) -> None:
        from ._batch.pool import CaseIds
        from ._core.safe_yaml import shorten
        from ._report.neutral import neutralise

        self.count += 1
        if not self._redact and self.count <= self.SHOWN:
            click.echo(f"warning [{CaseIds.CODE}]: {neutralise(source)}: case id {neutralise(shorten(case_id))} "
                       "is also the id of an earlier input", err=True)

    def close(self) -> None:
        from ._batch.pool import CaseIds

        if self.count and (self._redact or self.count > self.SHOWN):
            click.echo(f"warning [{CaseIds.CODE}]: {self.count} input(s) repeat the case id of an earlier input"
                       + (" (not named: --redact)" if self._redact else ""), err=True)


def _close(items: Iterator[Any]) -> None:
    close = getattr(items, "close", None)
    if close is not None:
        close()


def _check_on_cluster(paths: tuple[str, ...], options: BatchOptions, fmt: str, lang: str, output: Path | None,
                      redact: bool, cluster: str) -> int:
    if fmt != "jsonl" or output is None:
        raise click.UsageError("--cluster writes JSON Lines parts into a directory: add --format jsonl --output DIR")
    try:
        from ._dask import run_cli
    except ImportError as exc:
        raise click.UsageError(f"--cluster needs Dask: pip install 'legalcheck[dask]' ({exc})") from None
    from ._report.rendering import Rendering

    rendering = Rendering("jsonl", lang, redact=redact)  # type: ignore[arg-type]
    return run_cli(paths, output, options, rendering, cluster, lang)  # type: ignore[arg-type]


def _summary_text(summary: Summary, lang: str) -> str:
    from ._report.reporters.text import render_summary

    return render_summary(summary, lang).rstrip()  # type: ignore[arg-type]


def _emit(items: Iterator[BatchItem] | Iterator[Output], summary: Summary, fmt: str, lang: Any, stream: TextIO,
          verbose: bool, progress: Progress | None = None, *, audit: bool = False) -> None:
    from ._batch.pool import Output
    from ._report.registry import Destination, lookup
    from ._report.rendering import Rendering

    reporter = lookup(fmt)
    if reporter.streams:
        # Streaming formats: each item is written and dropped, so memory stays flat for any input size.
        rendering = Rendering(fmt, lang, verbose=verbose, audit=audit)
        # Outputs are UTF-8 already: a UTF-8 stream takes them as they are, without decoding and encoding again.
        binary: BinaryIO | None = getattr(stream, "buffer", None)
        if binary is not None and codecs.lookup(getattr(stream, "encoding", None) or "ascii").name != "utf-8":
            binary = None
        for item in items:
            output = item if isinstance(item, Output) else rendering(item)
            summary.add(output)
            if binary is not None:
                binary.write(output.data)
                binary.flush()
            else:
                stream.write(output.text)
                stream.flush()
            if progress is not None:
                progress.update(summary)
        reporter.write_end(summary, lang, stream)
        return
    destination = Destination(lang, stream=stream)
    if not reporter.collects:
        reporter.write(_counted(items, summary, progress), summary, destination)  # written as it goes
        return
    collected = []  # e.g. markdown and html rank and tabulate every case before the first one is written
    for item in _counted(items, summary, progress):
        collected.append(item)
        if len(collected) > MAX_DOCUMENT_INPUTS:
            raise click.UsageError(f"--format {fmt} holds at most {MAX_DOCUMENT_INPUTS} inputs in one document; "
                                   "this run has more: use --format jsonl (one line per case, streamed) or "
                                   "split the inputs")
    if progress is not None:
        progress.close()
    reporter.write(collected, summary, destination)


def _counted(items: Iterator[BatchItem] | Iterator[Output], summary: Summary,
             progress: Progress | None) -> Iterator[BatchItem]:
    from ._batch.pool import BatchItem

    for item in items:
        assert isinstance(item, BatchItem)
        summary.add(item)
        if progress is not None:
            progress.update(summary)
        yield item


@cli.command(cls=_LoadingCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_as_of_option
@click.option("--within", type=click.IntRange(min=0), default=None, metavar="DAYS",
              help="Only obligations due within this many days.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text",
              show_default=True)
@click.option("--engine", type=click.Choice(ENGINE_NAMES), default="native", show_default=True)
@click.option("--roll-over/--no-roll-over", default=True, show_default=True)
@_calendar_option
@_lang_option
def due(paths: tuple[Path, ...], as_of: dt.date | None, within: int | None, fmt: str, engine: str,
        roll_over: bool, calendar_files: tuple[Path, ...], lang: str) -> None:
    """List pending obligations across cases, soonest first (the morning docket).

    Obligations that cannot be determined for want of a recorded fact follow, one line each
    with the missing field paths: they are not on any clock until the fact is recorded.
    """
    from ._batch.pool import BatchOptions, Summary, check_paths

    options = BatchOptions(as_of=as_of or dt.date.today(), engine=engine,  # type: ignore[arg-type]
                      roll_over=roll_over, calendar_files=calendar_files)
    summary = Summary()
    rows = []
    unknown: list[tuple[str, str, Undetermined]] = []
    items = check_paths(list(paths), options, jobs=1)
    _collect_garbage()  # the evaluator is built; the inputs are read from here on
    for item in items:
        summary.add(item)
        if item.report is None:
            from ._report.reporters.text import render_item

            click.echo(render_item(item, lang).rstrip(), err=True)  # type: ignore[arg-type]
            continue
        for pending in item.report.pending:
            if within is not None and (pending.days_left is None or pending.days_left > within):
                continue
            rows.append((item.report.case_id, item.source, pending))
        unknown.extend((item.report.case_id, item.source, u) for u in item.report.undetermined)
    from ._report.docket import DocketRow, docket_markdown, docket_order, docket_text

    docket = sorted((DocketRow(case_id, source, p) for case_id, source, p in rows), key=docket_order)
    if fmt == "json":
        click.echo(json.dumps({"as_of": options.as_of.isoformat(), "obligations": [
            {"case_id": r.case_id, "source": r.source, **r.pending.model_dump(mode="json")} for r in docket],
            "undetermined": [{"case_id": case_id, "source": source, **u.model_dump(mode="json")}
                             for case_id, source, u in unknown]},
            ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(docket_markdown(docket, options.as_of, lang), nl=False)  # type: ignore[arg-type]
    elif fmt == "html":
        from ._report.reporters.html import render_docket

        click.echo(render_docket(docket, unknown, options.as_of, lang), nl=False)  # type: ignore[arg-type]
    else:
        click.echo(docket_text(docket, unknown, options.as_of, lang), nl=False)  # type: ignore[arg-type]
    sys.exit(EXIT_INTERNAL if summary.internal_errors else EXIT_BAD_INPUT if summary.rejected else EXIT_CLEAN)


@cli.command()
@click.argument("start", callback=_parse_date)
@click.argument("period")
@click.option("--roll-over/--no-roll-over", default=True, show_default=True)
@click.option("--exclude", "excluded", multiple=True, metavar="FROM..TO",
              help="A span not counted, e.g. hearing time (第三十六条第二款): 2025-09-15..2025-09-16.")
@click.option("--extend", "extension_days", type=click.IntRange(min=0), default=0, help="Extension in days.")
@click.option("--actual", callback=_parse_date, metavar="DATE", help="When the act was done, to classify it.")
@_as_of_option
@_calendar_option
@_lang_option
def deadline(start: dt.date, period: str, roll_over: bool, excluded: tuple[str, ...], extension_days: int,
             actual: dt.date | None, as_of: dt.date | None, calendar_files: tuple[Path, ...], lang: str) -> None:
    """Compute a due date and show the day-by-day reasoning: START PERIOD (e.g. 2025-09-26 5wd)."""
    from ._dates.calendar import load_calendar
    from ._dates.periods import classify, compute_due, explain, parse_period

    try:
        length = parse_period(period)
        spans = [_span(text) for text in excluded]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    calendar = load_calendar(calendar_files)
    try:
        due_date = compute_due(start, length, calendar, excluded=spans, extension_days=extension_days,
                               roll_over=roll_over)
        outcome = classify(due_date, actual, as_of or dt.date.today()) if (actual or as_of) else None
    except OverflowError:
        raise click.UsageError(f"the period {period} from {start} ends after {dt.date.max}, the last date "
                               "that can be counted") from None
    except ValueError as exc:  # a reversed span, an extension out of range
        raise click.UsageError(str(exc)) from None
    click.echo(explain(due_date, outcome, lang).rstrip())  # type: ignore[arg-type]


def _span(text: str) -> tuple[dt.date, dt.date]:
    first, sep, last = text.partition("..")
    if not sep:
        raise ValueError(f"--exclude {text!r}: write FROM..TO, e.g. 2025-09-15..2025-09-16")
    return dt.date.fromisoformat(first), dt.date.fromisoformat(last)


@cli.group()
def rules() -> None:
    """List the rules or show one with its article and examples."""


@rules.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_lang_option
def rules_list(fmt: str, lang: str) -> None:
    from ._api import default_evaluator

    ruleset = default_evaluator("native").ruleset
    rows: list[dict[str, Any]] = [{"id": r.rule.id, "name": r.rule.name, "severity": r.rule.severity, "pack": r.pack,
             "title": r.rule.title.model_dump(), "effective_from": str(r.rule.effective_from),
             "effective_until": str(r.rule.effective_until) if r.rule.effective_until else None,
             "citations": [c.model_dump(exclude_none=True) for c in r.rule.citations]} for r in ruleset.rules]
    if fmt == "json":
        click.echo(json.dumps({"version": ruleset.version, "sha256": ruleset.fingerprint, "rules": rows},
                              ensure_ascii=False, indent=2))
        return
    for row in rows:
        title = row["title"][lang]
        pack = f" [{row['pack']}]" if row["pack"] else ""
        click.echo(f"{row['id']} {row['name']:<56} {row['severity']:<9} {title}{pack}")


@rules.command("show")
@click.argument("rule_id")
@_lang_option
def rules_show(rule_id: str, lang: str) -> None:
    from ._api import default_evaluator
    from ._report.rule_docs import render_rule_text

    evaluator = default_evaluator("native")
    try:
        compiled = evaluator.ruleset.by_id(rule_id.upper())
    except KeyError:
        known = [r.rule.id for r in evaluator.ruleset.rules]
        raise click.BadParameter(f"no rule {rule_id!r}; known ids run {known[0]}..{known[-1]}") from None
    click.echo(render_rule_text(compiled, evaluator.corpus, lang))  # type: ignore[arg-type]


@rules.command("docs")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("docs/rules"),
              show_default=True, help="Directory of the pages (created if missing).")
def rules_docs(output: Path) -> None:
    """Write one Markdown page per rule, and an index, into OUTPUT (committed as docs/rules/)."""
    from ._api import default_evaluator
    from ._report.rule_docs import write_rule_docs

    evaluator = default_evaluator("native")
    written, removed = write_rule_docs(evaluator.ruleset, evaluator.corpus, output)
    click.echo(f"{output}: {len(evaluator.ruleset.rules)} rule page(s) and an index; "
               f"{len(written)} written, {len(removed)} removed")


@cli.command()
@click.option("--report", is_flag=True, help="The JSON Schema of reports instead of case files.")
@click.option("--mapping", is_flag=True, help="The JSON Schema of ledger mapping files instead of case files.")
def schema(report: bool, mapping: bool) -> None:
    """Print the JSON Schema of case files (or of reports, or of ledger mappings).

    Every property of a case file is described in Chinese and English: required or not, what
    the check does when it is absent, and the article that defines it; the report schema lists
    every input problem code.
    """
    from ._model.ledger import LedgerMapping
    from ._model.schema import case_schema, report_schema

    document = report_schema() if report else (LedgerMapping.model_json_schema(by_alias=True) if mapping
                                                else case_schema())
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@cli.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: Path | None, force: bool) -> None:
    """Write a commented Chinese case template to PATH (or to standard output) to start a case file from."""
    from ._model.fields import template_text

    text = template_text()
    if path is None:
        click.echo(text, nl=False)
        return
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; give --force to overwrite it")
    path.write_text(text, encoding="utf-8")
    click.echo(f"{path}: case template written (fill it in, then: legalcheck check {path})", err=True)


@cli.command()
@click.option("--instrument", "instruments", multiple=True, metavar="ID",
              help="Only this instrument (e.g. xfgz-2022, xftl-2005, beijing-2006); repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the map here.")
def coverage(instruments: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """Every article and paragraph with the rules that cite it or why it is not machine-checkable.

    Exits 1 when a provision has neither a rule nor a reason, or a reason is stale.
    """
    from ._law.coverage import coverage as build
    from ._law.coverage import render

    cov = build(list(instruments) or None)
    with _open_output(output) as stream:
        stream.write(render(cov, fmt))  # type: ignore[arg-type]
    for problem in cov.problems if fmt != "text" or output is not None else ():
        click.echo(problem, err=True)
    sys.exit(EXIT_CLEAN if cov.ok else EXIT_FINDINGS)


def _exit_now(code: int) -> None:
    """Exit without the interpreter's teardown, once a signal has stopped the run.

    The workers are gone and the output is settled (the previous report kept) by now; but
    the process pool's own threads may be blocked on pipes whose other ends died with the
    workers, and the interpreter joins them at exit: a stopped run must not hang there.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def main() -> None:
    """Entry point: maps every failure to its exit code, never a traceback for bad input."""
    global _paused_collector
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    if gc.isenabled():
        gc.disable()
        _paused_collector = True
    try:
        cli.main(standalone_mode=False)
        sys.exit(EXIT_CLEAN)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        click.echo("interrupted", err=True)
        _exit_now(EXIT_INTERRUPTED)
    except Terminated:
        click.echo("terminated", err=True)
        _exit_now(EXIT_TERMINATED)
    except MemoryError:
        click.echo("error: out of memory; check fewer or smaller inputs at a time, or use --format jsonl", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_BAD_INPUT)
    except InputError as exc:
        for problem in exc.problems:
            click.echo(f"{problem.location}: {problem.text(exc.lang)}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except LegalcheckError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except BaseException:  # noqa: BLE001 - the last line of defence, exit 3 with the traceback
        click.echo("internal error (please report it):\n" + traceback.format_exc(), err=True)
        sys.exit(EXIT_INTERNAL)
    finally:
        signal.signal(signal.SIGTERM, previous)
        _collect_garbage()  # a run that ended before its command (--version, --help, a usage error)
