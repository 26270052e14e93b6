"""The command line speaks Chinese to its users: every description, option and usage message,
and every command's --help shows how it is run."""
import re

import click
import pytest

from pipeline.cli import main

from .conftest import invoke

COMMANDS = sorted(main.commands)
# Two or more English words in a row: a sentence, not a file, column or command name as written.
ENGLISH = re.compile(r"[A-Za-z']+(?: [A-Za-z']+)+")
CJK = re.compile(r"[\u4e00-\u9fff]")


def english_phrases(text: str) -> list[str]:
    return [phrase for phrase in ENGLISH.findall(text) if not phrase.startswith("salesreport ")]


def described(command: click.Command) -> list[str]:
    """What --help says about `command` in words: its description before the examples, its
    one-line summary and every option's help (the help option's included)."""
    context = click.Context(command, info_name=command.name)
    texts = [command.help.split("示例")[0], command.get_short_help_str(limit=200)]
    return texts + [param.help for param in command.get_params(context) if getattr(param, "help", None)]


@pytest.mark.parametrize("name", [None, *COMMANDS])
def test_every_help_is_in_chinese_and_shows_an_example(name):
    command = main if name is None else main.commands[name]
    result = invoke(*([name] if name else []), "--help")
    assert result.exit_code == 0
    assert result.output.startswith(f"用法：main {name or ''}".rstrip())
    example = re.search(r"示例：\n((?:\s+.+\n)+)", result.output)
    assert example and f"salesreport {name or ''}".rstrip() in example[1], result.output
    for text in described(command):
        assert CJK.search(text), text
        assert not english_phrases(text), text


def test_a_usage_mistake_is_explained_in_chinese():
    result = invoke("report", "--month", "October")
    assert result.exit_code == 2
    assert "错误：'--month' 的值无效：October" in result.stderr and "查看帮助：main report --help" in result.stderr
    result = invoke("reprot")
    assert result.exit_code == 2 and "错误：没有命令 reprot" in result.stderr
    result = invoke("report", "--workers", "0")
    assert result.exit_code == 2 and "'--workers' 的值无效：0：应为正整数" in result.stderr
    result = invoke("init")
    assert result.exit_code == 2 and "错误：缺少 'DIR'" in result.stderr
