"""The YAML and JSON parsers' and the operating system's messages in Chinese, so a Chinese error
names a syntax or file problem in Chinese.

The parsers (PyYAML, Python's ``json``) and the operating system word their problems in English. The phrases below are
those they use for the mistakes people make when writing a case file by hand; each becomes a
Chinese sentence, and the parser's own words stay available in the English message. A phrase
not listed keeps the parser's words, marked as such (解析器原文), rather than being guessed at.
"""

from __future__ import annotations

import functools
import re

from .bilingual import Bilingual

# (pattern over the parser's message, Chinese); ``{n}`` names a group of the pattern.
_PHRASES: tuple[tuple[str, str], ...] = (
    # PyYAML: problems
    (r"mapping values are not allowed (?:here|in this context)", "此处不能出现“键: 值”，值中含冒号的应当加引号"),
    (r"did not find expected '-' indicator", "缺少列表项标记“-”，缩进可能不一致"),
    (r"did not find expected key", "缺少键，缩进可能不一致"),
    (r"did not find expected node content", "缺少内容"),
    (r"could not find expected ':'", "缺少冒号“:”"),
    (r"expected <block end>, but found '(?P<found>[^']*)'", "缩进不一致：此处的内容与上文的层级不符"),
    (r"found character '\\t' that cannot start any token", "含有制表符，应当用空格缩进"),
    (r"found a tab character that violates indentation", "含有制表符，应当用空格缩进"),
    (r"found character '(?P<char>[^']*)' that cannot start any token", "含有不能出现在此处的字符“{char}”"),
    (r"found undefined alias", "引用了未定义的别名"),
    (r"found unexpected end of stream", "文件意外结束，引号或者括号可能没有闭合"),
    (r"found unknown escape character '?(?P<char>[^'\s]*)'?", "含有未知的转义字符 {char}"),
    (r"found duplicate anchor", "锚点重复"),
    (r"expected ',' or '\]', but got '(?P<got>[^']*)'", "列表中缺少逗号或者右方括号“]”"),
    (r"expected ',' or '\}', but got '(?P<got>[^']*)'", "映射中缺少逗号或者右花括号“}”"),
    (r"expected a comment or a line break, but found '(?P<found>[^']*)'", "此行在值之后还有多余的内容"),
    (r"expected alphabetic or numeric character, but found '(?P<found>[^']*)'", "锚点或者别名的名称不正确"),
    # PyYAML: contexts
    (r"while parsing a block collection that starts at line (?P<line>\d+), column (?P<col>\d+)",
     "解析自第{line}行第{col}列开始的列表时"),
    (r"while parsing a block mapping that starts at line (?P<line>\d+), column (?P<col>\d+)",
     "解析自第{line}行第{col}列开始的映射时"),
    (r"while parsing a flow (?:sequence|mapping) that starts at line (?P<line>\d+), column (?P<col>\d+)",
     "解析自第{line}行第{col}列开始的括号内容时"),
    (r"while scanning a (?:quoted|double-quoted|single-quoted) scalar that starts at line (?P<line>\d+), "
     r"column (?P<col>\d+)", "读取自第{line}行第{col}列开始的带引号文字时"),
    (r"while scanning a plain scalar that starts at line (?P<line>\d+), column (?P<col>\d+)",
     "读取自第{line}行第{col}列开始的文字时"),
    (r"while scanning a simple key that starts at line (?P<line>\d+), column (?P<col>\d+)",
     "读取自第{line}行第{col}列开始的键时"),
    (r"while scanning an? (?:alias|anchor) that starts at line (?P<line>\d+), column (?P<col>\d+)",
     "读取自第{line}行第{col}列开始的锚点或者别名时"),
    (r"while parsing a block node that starts at line (?P<line>\d+), column (?P<col>\d+)",
     "解析自第{line}行第{col}列开始的内容时"),
    # Python's json
    (r"Expecting value", "此处缺少值"),
    (r"Expecting property name enclosed in double quotes", "缺少用双引号括起的键名，或者有多余的逗号"),
    (r"Expecting ',' delimiter", "缺少逗号分隔符"),
    (r"Expecting ':' delimiter", "缺少冒号分隔符"),
    (r"Extra data", "值之后还有多余的内容"),
    (r"Unterminated string starting at", "字符串没有闭合，缺少右引号"),
    (r"Invalid control character at", "字符串中含有控制字符"),
    (r"Invalid \\escape", "含有无效的转义"),
    (r"Illegal trailing comma before end of (?:object|array)", "结尾有多余的逗号"),
)


@functools.lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern), zh) for pattern, zh in _PHRASES)


def syntax_detail(detail: str) -> Bilingual:
    """A parser's message in Chinese (each phrase it is made of, in order) and as the parser wrote it."""
    found: list[tuple[int, int, str]] = []  # (start, end, Chinese) of each phrase recognised
    for pattern, zh in _compiled():
        for match in pattern.finditer(detail):
            if not any(start <= match.start() < end for start, end, _ in found):
                found.append((match.start(), match.end(), zh.format(**match.groupdict())))
    if not found:
        return Bilingual(f"解析器原文：{detail}", detail)
    return Bilingual("；".join(zh for _, _, zh in sorted(found)), detail)


# The operating system's reasons (``strerror``) for a file that cannot be read.
_OS_REASONS: dict[str, str] = {
    "Permission denied": "没有读取权限",
    "No such file or directory": "文件或目录不存在",
    "Is a directory": "是目录，不是文件",
    "Not a directory": "路径中有一部分不是目录",
    "Too many levels of symbolic links": "符号链接层级过多（可能循环）",
    "File name too long": "文件名过长",
    "Input/output error": "读写设备出错",
    "Too many open files": "同时打开的文件过多",
    "No space left on device": "磁盘空间不足",
    "Operation not permitted": "操作不被允许",
}


def os_reason(reason: str) -> Bilingual:
    """The operating system's reason for a failed read, in Chinese and as the system wrote it."""
    zh = _OS_REASONS.get(reason)
    return Bilingual(zh if zh is not None else f"系统原文：{reason}", reason)
