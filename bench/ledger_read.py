"""Reading a large ledger: openpyxl's read-only mode against its normal mode, in the same run.

    python bench/ledger_read.py            # 20,000 matters (about a minute)
    python bench/ledger_read.py --rows 2000

The ledger is the sample's 56 matters repeated (examples/ledger/make_ledger.py), written once
to a temporary file. Each mode reads every row's values, interleaved (normal, read-only,
normal, ...), best of three. A third figure is the whole ledger path, mapping included
(``read_ledger``: rows to validated cases), beside the read-only read alone. Where
python-calamine (a Rust reader, not a dependency) is importable, it is measured too.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook, load_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from legalcheck._model.ledger import load_mapping, read_ledger  # noqa: E402


def _sample_rows() -> tuple[tuple[str, ...], list[list[object]]]:
    spec = importlib.util.spec_from_file_location("make_ledger", ROOT / "examples" / "ledger" / "make_ledger.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HEADERS, module.rows()


def _write(path: Path, rows: int) -> None:
    headers, sample = _sample_rows()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("案件")
    sheet.append(headers)
    for number in range(rows):
        row = list(sample[number % len(sample)])
        row[0] = f"HX-{number:06d}"
        sheet.append(row)
    workbook.save(path)


def _read(path: Path, read_only: bool) -> int:
    workbook = load_workbook(path, read_only=read_only, data_only=True)
    count = sum(1 for _ in workbook["案件"].iter_rows(values_only=True))
    workbook.close()
    return count


def _read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook  # not a dependency: measured only where installed

    workbook = CalamineWorkbook.from_path(str(path))
    return sum(1 for _ in workbook.get_sheet_by_name("案件").iter_rows())


def _best(function: Callable[[], object], rounds: int) -> tuple[float, int]:
    """Best wall time of ``rounds`` runs, and the peak of Python allocations in one run."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    mapping_path = ROOT / "examples" / "ledger" / "台账映射.yaml"
    mapping = load_mapping(mapping_path)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "ledger.xlsx"
        _write(path, args.rows)
        normal, normal_peak = _best(lambda: _read(path, False), args.rounds)
        fast, fast_peak = _best(lambda: _read(path, True), args.rounds)
        whole, _ = _best(lambda: read_ledger(path, mapping, mapping_path.parent), args.rounds)
        try:
            calamine: tuple[float, int] | None = _best(lambda: _read_calamine(path), args.rounds)
        except ImportError:
            calamine = None
        size = path.stat().st_size
    print(f"{args.rows} matters, {size / 1e6:.1f} MB .xlsx, best of {args.rounds}")
    print(f"  normal mode      {normal:7.2f} s  {args.rows / normal:8,.0f} rows/s  peak {normal_peak / 1e6:6.1f} MB")
    print(f"  read-only mode   {fast:7.2f} s  {args.rows / fast:8,.0f} rows/s  peak {fast_peak / 1e6:6.1f} MB")
    print(f"  read-only / normal: {normal / fast:.2f}x faster, {normal_peak / max(fast_peak, 1):.1f}x less memory")
    if calamine is not None:
        print(f"  python-calamine  {calamine[0]:7.2f} s  {args.rows / calamine[0]:8,.0f} rows/s  "
              f"peak {calamine[1] / 1e6:6.1f} MB  ({fast / calamine[0]:.1f}x faster than read-only)")
    else:
        print("  python-calamine: not installed, not measured")
    print(f"  read_ledger (rows to validated cases) / read-only read alone: {whole / fast:.2f}x")
    print(f"  max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


if __name__ == "__main__":
    main()
