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


@pytest.mark.parametrize("args, said", [
    (["report", "--workers"], "错误：--workers 后面要写一个值"),
    (["distribute", "--month", "2025-10", "--preview", "a@example.com"], "错误：--preview 和 --to 要一起使用"),
    (["distribute", "--month", "2025-10..2025-11", "--preview", "a@example.com", "--to", "b@example.com"],
     "错误：--preview 只用于单个月份"),
])
def test_what_click_and_the_commands_say_of_a_mistake_is_chinese(args, said):
    result = invoke(*args)
    assert result.exit_code == 2 and said in result.stderr
    assert "Error" not in result.output and "Try " not in result.output and "requires" not in result.output


def test_a_bare_salesreport_shows_the_help_and_succeeds():
    result = invoke()
    assert result.exit_code == 0 and result.output.startswith("用法：") and "\n  report " in result.output


def test_version():
    from importlib.metadata import version

    result = invoke("--version")
    assert result.exit_code == 0 and result.output.strip() == f"salesreport {version('salesreport')}"


def test_month_help_says_what_each_command_does_with_each_month():
    def month_help(name):
        context = click.Context(main.commands[name], info_name=name)
        return next(p.help for p in main.commands[name].get_params(context) if p.name == "months")

    assert "每月单独完整写出" in month_help("report")
    for name in ("validate", "distribute", "status", "approve"):
        assert "完整写出" not in month_help(name), name
    assert "不写入任何文件" in month_help("validate")


@pytest.mark.parametrize("text, where, said", [
    ('smtp_port = \n', "第 1 行第 13 列", "值无效"),
    ('smtp_host = "a"\nsmtp_port = 25 26\n', "第 2 行第 16 列", "一行只能写一项"),
    ('smtp_host = "mail\n', "第 1 行", "引号没有闭合"),
])
def test_a_toml_syntax_error_is_said_in_chinese_with_line_and_column(tmp_path, text, where, said):
    settings = tmp_path / "salesreport.toml"
    settings.write_text(text, encoding="utf-8")
    result = invoke("validate", "--month", "2025-10", "--config", settings)
    assert result.exit_code == 2 and f"不是有效的 TOML：{where}" in result.stderr and said in result.stderr
    assert not english_phrases(result.stderr.split("TOML：", 1)[1]), result.stderr
