"""tomllib's syntax errors said in Chinese, with the line and column where the file goes wrong."""
from __future__ import annotations

import re
import tomllib

_WHERE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")
_SAID = [  # tomllib's message (a prefix) → what it means
    ("Invalid value", "值无效（文字要加英文双引号，如 smtp_host = \"mail.example.com\"）"),
    ("Invalid statement", "这一行不是「名称 = 值」"),
    ("Expected '=' after a key", "名称后面缺少 ="),
    ("Expected newline or end of document", "一行只能写一项（值后面多了内容）"),
    ("Expected ']' at the end of a table", "表头缺少 ]"),
    ("Expected ']]' at the end of an array", "表头缺少 ]]"),
    ("Unterminated string", "引号没有闭合"),
    ("Unclosed array", "方括号 [ ] 没有闭合"),
    ("Unclosed inline table", "花括号 { } 没有闭合"),
    ("Cannot overwrite a value", "同一项写了两次"),
    ("Cannot declare", "同一项写了两次"),
    ("Duplicate inline table key", "同一项写了两次"),
    ("Invalid initial character for a key part", "名称中有不允许的字符（名称只用字母、数字、_ 和 -）"),
    ("Found invalid character", "有不允许的字符"),
    ("Illegal character '\\n'", "引号没有闭合（一个值不能跨行）"),
    ("Illegal character", "有不允许的字符（如控制字符）"),
    ("Invalid date or datetime", "日期或时间无效"),
    ("Unescaped '\\' in a string", "字符串中的 \\ 要写成 \\\\，或改用单引号"),
]


def explain(error: tomllib.TOMLDecodeError) -> str:
    """`第 3 行第 13 列：值无效（…）` for `Invalid value (at line 3, column 13)`."""
    message = str(error)
    where = _WHERE.search(message)
    what = message[:where.start()] if where else message
    said = next((text for prefix, text in _SAID if what.startswith(prefix)), f"格式错误（{what}）")
    if where is None:
        return said
    if where.group(1) is None:
        return f"文件末尾：{said}"
    return f"第 {where.group(1)} 行第 {where.group(2)} 列：{said}"
