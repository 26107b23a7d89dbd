"""Writes 台账.xlsx: a petition ledger of 56 matters kept the way a district office keeps one.

Deterministic (a fixed seed, fixed workbook timestamps): running it again gives the same
bytes. Chinese headers; dates as real Excel dates, ISO text, 2025/4/7 and 2025年4月7日 mixed;
some cells empty (not recorded yet); two rows deliberately broken (an impossible date and an
agency name misspelt), which the check must name by cell.

    python examples/ledger/make_ledger.py        # needs openpyxl (pip install 'legalcheck[xlsx]')
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
HEADERS = ("编号", "信访人", "联系电话", "住址", "渠道", "类别", "事由", "登记单位", "收到日期", "登记日期",
           "转送日期", "责任单位", "责任单位收到日期", "告知日期", "受理日期", "答复日期", "办结日期", "备注")
CHANNELS = ("来信", "网上信访", "来访", "来电")
SUBJECTS = (("申诉求决", "拖欠工资未获支付", "区人社局"), ("申诉求决", "保障性住房补贴审核未果", "区住建局"),
            ("申诉求决", "小区违建长期未处理", "新河街道"), ("建议意见", "建议增设老旧小区电梯", "区住建局"),
            ("申诉求决", "社保缴费年限认定有误", "区人社局"), ("建议意见", "建议延长社区食堂营业时间", "新河街道"))
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("秀英", "建国", "桂兰", "志强", "丽娟", "海涛", "玉梅", "文斌", "晓东", "淑珍", "国庆", "春燕")
STREETS = ("滨江路", "新河路", "河西大道", "建设路", "人民路")
FIXED_TIME = (2025, 12, 1, 0, 0, 0)


def _date_cell(day: dt.date, style: int) -> object:
    """The same date as an office would type it: a date cell, ISO text, 2025/4/7 or 2025年4月7日."""
    if style == 0:
        return dt.datetime(day.year, day.month, day.day)
    if style == 1:
        return day.isoformat()
    if style == 2:
        return f"{day.year}/{day.month}/{day.day}"
    return f"{day.year}年{day.month}月{day.day}日"


def rows() -> list[list[object]]:
    rng = random.Random(15)
    out: list[list[object]] = []
    for number in range(1, 57):
        category, matter, agency = SUBJECTS[rng.randrange(len(SUBJECTS))]
        channel = CHANNELS[rng.randrange(len(CHANNELS))]
        received = dt.date(2025, 3, 3) + dt.timedelta(days=rng.randrange(0, 250))
        # Most matters are handled on time; some forwards and notices come late.
        forward_after = rng.choice((1, 2, 3, 3, 5, 7, 10, 12, 14, 17))
        forwarded = received + dt.timedelta(days=forward_after)
        arrived = forwarded + dt.timedelta(days=rng.choice((1, 2, 3)))
        notice = arrived + dt.timedelta(days=rng.choice((2, 3, 5, 6, 9, 12, 14, 16)))
        reply = notice + dt.timedelta(days=rng.choice((20, 30, 35, 45, 50, 58, 70)))
        as_of = dt.date(2025, 12, 1)
        style = rng.randrange(4)
        name = SURNAMES[rng.randrange(len(SURNAMES))] + GIVEN[rng.randrange(len(GIVEN))]
        phone: object = 13900000000 + rng.randrange(10_000_000) if rng.random() < 0.85 else None
        address = f"临江市河西区{STREETS[rng.randrange(len(STREETS))]}{rng.randrange(1, 200)}号"
        row: list[object] = [
            f"HX-2025-{number:04d}", name, phone, address, channel, category, matter, "区信访局",
            _date_cell(received, style), _date_cell(received, (style + 1) % 4),
            _date_cell(forwarded, style) if forwarded <= as_of else None,
            agency,
            _date_cell(arrived, (style + 2) % 4) if arrived <= as_of else None,
            _date_cell(notice, style) if notice <= as_of and rng.random() < 0.9 else None,
            _date_cell(notice, (style + 3) % 4) if notice <= as_of else None,
            _date_cell(reply, style) if reply <= as_of else None,
            _date_cell(reply, (style + 1) % 4) if reply <= as_of else None,
            "",
        ]
        out.append(row)
    # Two rows as they go wrong in practice: a date typed that does not exist, and an agency misspelt.
    out[16][HEADERS.index("受理日期")] = "2025-02-30"
    out[16][HEADERS.index("备注")] = "受理日期录入有误"
    out[41][HEADERS.index("责任单位")] = "区人设局"
    return out


def build() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "案件"
    sheet.append(HEADERS)
    for row in rows():
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    workbook.properties.creator = "临江市河西区信访局"
    workbook.properties.created = workbook.properties.modified = dt.datetime(*FIXED_TIME)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry dated FIXED_TIME, so that the bytes do not depend on the clock.

    openpyxl stamps the save time into docProps/core.xml (dcterms:modified); that is fixed too.
    """
    out = io.BytesIO()
    stamp = dt.datetime(*FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp + rb"\g<2>", content)
            target.writestr(fixed, content)
    return out.getvalue()


def main() -> None:
    (HERE / "台账.xlsx").write_bytes(build())


if __name__ == "__main__":
    main()
