"""Running it monthly with confidence, against a real SMTP server on 127.0.0.1: settings from
salesreport.toml, failure alerts, the status check, approval, test sends, PDF and Excel
attachments, mails in parts within a size limit, and the archive of what was delivered."""
import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from itertools import takewhile
from email import policy
from email.parser import BytesParser

import docx
import openpyxl
import pytest
from aiosmtpd.controller import Controller

from pipeline.documents import pdf

from .conftest import ROOT, SAMPLE_INPUTS, invoke
from .docx_reading import fill
from .test_distribute import (Server, attached, expected_documents, free_port, killed_once_held,  # noqa: F401
                              outputs)

HAS_PDF = bool((shutil.which("soffice") or shutil.which("libreoffice")) and pdf.has_chinese_font()
               and shutil.which("pdftotext"))
needs_pdf = pytest.mark.skipif(not HAS_PDF, reason="LibreOffice, a CJK font or pdftotext is not installed here "
                                                   "(.ci/run installs them)")


class SizedServer(Server):
    """Also keeps each message's size as received, and can refuse a recipient's nth message."""

    def __init__(self):
        super().__init__()
        self.sizes, self.refuse_nth, self.seen = [], {}, {}

    async def handle_RCPT(self, server, session, envelope, address, options):
        self.seen[address] = self.seen.get(address, 0) + 1
        if self.refuse_nth.get(address) == self.seen[address]:
            return "550 5.3.4 message too big for this mailbox today"
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server, session, envelope):
        self.sizes.append((list(envelope.rcpt_tos), len(envelope.original_content)))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server, set in the environment for the command line."""
    server = SizedServer()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    server.env = {"SALESREPORT_SMTP_HOST": "127.0.0.1", "SALESREPORT_SMTP_PORT": str(controller.port),
                  "SALESREPORT_SMTP_SECURITY": "none", "SALESREPORT_MAIL_FROM": "reports@example.com"}
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    yield server
    controller.stop()


def cli(command, outputs, *options, inputs=SAMPLE_INPUTS, month="2025-10"):
    where = () if command == "validate" else ("--outputs", outputs)  # validate writes nothing
    return invoke(command, "--month", month, "--inputs", inputs, *where, *options)


def report(outputs, inputs=SAMPLE_INPUTS, *options):
    result = cli("report", outputs, "-q", *options, inputs=inputs)
    assert result.exit_code == 0, result.output
    return result


def manifest(outputs, month="2025-10"):
    return json.loads((outputs / month / "manifest.json").read_text(encoding="utf-8"))


def change_a_team_note(inputs):
    """深圳组's summary changes (a new highlight), and 华南区's, which wrote no highlight of its own and
    so shows its teams' (rolled up); every other document stays the same."""
    with (inputs / "notes.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,team,深圳组,,highlight,补录后活动数据已更新。\n")


# --- the configuration file --------------------------------------------------------------------

def test_settings_come_from_salesreport_toml_and_the_environment_wins(smtp, outputs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    port = smtp.env["SALESREPORT_SMTP_PORT"]
    for key in smtp.env:
        monkeypatch.delenv(key)
    (tmp_path / "salesreport.toml").write_text(
        "# salesreport settings\n"
        'smtp_host = "127.0.0.1"\n'
        f"smtp_port = {port}\n"
        'smtp_security = "none"\n'
        'mail_from = "file@example.com"\n', encoding="utf-8")
    monkeypatch.setenv("SALESREPORT_MAIL_FROM", "env@example.com")
    result = cli("distribute", outputs)
    assert result.exit_code == 0, result.output
    assert len(smtp.messages) == 20  # through the file's server, not into the outbox
    assert {m["From"] for _, m in smtp.messages} == {"env@example.com"}
    assert not (outputs / "outbox" / "2025-10").exists()


def test_config_option_reads_another_file(smtp, outputs, tmp_path):
    settings = tmp_path / "ops.toml"
    settings.write_text('attach = ["docx", "xlsx"]\n', encoding="utf-8")
    assert cli("distribute", outputs, "--config", settings).exit_code == 0
    [mail] = smtp.to("zhang.wei@example.com")
    assert sorted(p.get_filename()[-5:] for p in mail.iter_attachments()) == [".docx", ".docx", ".xlsx"]


def test_an_unknown_key_is_an_error_naming_its_line(outputs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "salesreport.toml").write_text('smtp_host = "mail.example.com"\n\natach = "pdf"\n', encoding="utf-8")
    for command in ("report", "validate", "distribute", "status"):
        result = cli(command, outputs)
        assert result.exit_code == 2, command
        assert "salesreport.toml 第3行：未知的设置「atach」" in result.stderr and "Traceback" not in result.output


def test_the_password_is_refused_in_the_file_and_read_from_the_environment_only(outputs, tmp_path):
    settings = tmp_path / "ops.toml"
    settings.write_text('smtp_host = "127.0.0.1"\nsmtp_password = "s3cret"\n', encoding="utf-8")
    result = cli("distribute", outputs, "--config", settings)
    assert result.exit_code == 2
    assert "第2行：smtp_password 不能写在配置文件里" in result.stderr and "SALESREPORT_SMTP_PASSWORD" in result.stderr
    assert "s3cret" not in result.output


def test_a_bad_value_names_where_it_came_from(outputs, tmp_path, monkeypatch):
    settings = tmp_path / "ops.toml"
    settings.write_text('max_mail_mb = "lots"\nattach = "docx, zip"\n', encoding="utf-8")
    result = cli("distribute", outputs, "--config", settings)
    assert result.exit_code == 2
    assert f"{settings} 第1行 max_mail_mb：应为大于 0 的数" in result.stderr
    assert f"{settings} 第2行 attach：应为 docx、pdf、xlsx" in result.stderr
    monkeypatch.setenv("SALESREPORT_MAX_MAIL_MB", "0")
    assert "SALESREPORT_MAX_MAIL_MB：应为大于 0 的数" in cli("distribute", outputs, "--config", settings).stderr
    assert "找不到配置文件" in cli("distribute", outputs, "--config", tmp_path / "missing.toml").stderr
    settings.write_text('attach = "docx"\nmax_mail_mb = 10 MB\n', encoding="utf-8")
    broken = cli("distribute", outputs, "--config", settings)
    assert broken.exit_code == 2 and "不是有效的 TOML：第 2 行" in broken.stderr


@pytest.mark.parametrize("make, said", [
    (lambda path: os.mkfifo(path), "不是普通文件"),
    (lambda path: path.symlink_to("/dev/zero"), "不是普通文件"),
    (lambda path: path.write_bytes(b"# " + b"x" * 2**20 + b"\n"), "超过 1 MB"),
    (lambda path: path.write_text("attach = " + "[" * 2000 + "]" * 2000 + "\n", encoding="utf-8"), "嵌套过深"),
])
def test_a_settings_file_that_is_no_small_regular_file_is_refused_at_once(outputs, tmp_path, make, said):
    settings = tmp_path / "ops.toml"
    make(settings)
    started = time.monotonic()
    result = cli("validate", outputs, "--config", settings)
    assert result.exit_code == 2 and said in result.stderr and "Traceback" not in result.output
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("line, said", [
    ("smtp_port = true", "smtp_port 应为整数，而不是 true/false"),
    ("require_approval = 1.5", "require_approval 应为true/false，而不是 小数"),
    ('mail_from = "reports@example.com\\r\\nBcc: evil@example.com"', "mail_from：含换行或控制字符"),
    ('mail_from = "not an address"', "「not an address」不是有效的邮箱地址"),
    ('mail_from = "报告@例子.中国"', "非 ASCII"),
    ('alert_to = ["ops@example.com.", "x..y@example.com"]', "域名不能以点结尾"),
    ("max_mail_mb = 1e-300", "至少 0.01"),
    ('smtp_host = "mail.example.com\\r\\nRCPT TO:<x@example.com>"', "含换行或控制字符"),
])
def test_a_settings_value_of_the_wrong_type_or_syntax_is_refused_naming_its_line(outputs, tmp_path, line, said):
    settings = tmp_path / "ops.toml"
    settings.write_text(f"# ops\n{line}\n", encoding="utf-8")
    result = cli("validate", outputs, "--config", settings)
    assert result.exit_code == 2 and said in result.stderr and "Traceback" not in result.output
    assert f"{settings} 第2行" in result.stderr and "\nBcc" not in result.stderr and "\nRCPT" not in result.stderr


def test_smtp_settings_are_checked_even_without_a_host(outputs, monkeypatch):
    monkeypatch.delenv("SALESREPORT_SMTP_HOST", raising=False)
    monkeypatch.setenv("SALESREPORT_SMTP_SECURITY", "tls")
    monkeypatch.setenv("SALESREPORT_SMTP_PORT", "abc")
    monkeypatch.setenv("SALESREPORT_SMTP_DEADLINE_SECONDS", "-1")
    for command in ("validate", "status", "distribute"):
        result = cli(command, outputs)
        assert result.exit_code == 2, command
        for name in ("SMTP_SECURITY", "SMTP_PORT", "SMTP_DEADLINE_SECONDS"):
            assert f"SALESREPORT_{name}：" in result.stderr, (command, name)


@pytest.mark.parametrize("to", ["检查@example.com", "checker@bücher.example", "checker@example.com."])
def test_a_preview_address_is_checked_as_any_other(smtp, outputs, to):
    result = cli("distribute", outputs, "--preview", "east.head@example.com", "--to", to)
    assert result.exit_code == 2 and "不是有效的邮箱地址" in result.stderr and smtp.messages == []


# --- 1. alerts ---------------------------------------------------------------------------------

def alert_lines(result):
    """What the command printed to stderr, without the line about the alert itself."""
    return [line for line in result.stderr.splitlines() if "告警邮件" not in line]


def test_a_failing_validate_alerts_with_what_it_printed_host_time_and_rerun(smtp, tmp_path, inputs_copy, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ALERT_TO", "ops@example.com, oncall@example.com")
    (inputs_copy / "actuals.csv").write_text("month,rep_id,metric,actual\n2025-10,S1001,sales,十三万\n",
                                             encoding="utf-8")
    before = dt.datetime.now().astimezone().replace(microsecond=0)
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert result.exit_code == 2
    assert "已发送告警邮件到 ops@example.com, oncall@example.com" in result.stderr
    [alert] = smtp.to("ops@example.com")
    [copy] = smtp.to("oncall@example.com")
    assert copy["Message-ID"] == alert["Message-ID"] and alert["To"] == "ops@example.com, oncall@example.com"
    assert alert["Subject"] == "【salesreport 失败】validate 2025-10"
    text = alert.get_content()
    printed = "\n".join(alert_lines(result))
    assert "actuals.csv 第2行 列「actual」 值「十三万」：不是数字" in printed
    assert printed in text  # the messages exactly as printed
    assert "退出码 2" in text and f"主机：{socket.gethostname()}" in text
    sent_at = dt.datetime.strptime(text.split("时间：")[1].splitlines()[0], "%Y-%m-%d %H:%M:%S %z")
    assert before <= sent_at <= dt.datetime.now().astimezone()
    assert f"&& salesreport validate --month 2025-10 --inputs {inputs_copy}" in text


def test_a_distribute_with_a_failed_mail_alerts_and_keeps_exit_5(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ALERT_TO", "ops@example.com")
    smtp.rules["ceo@example.com"] = ["550 5.1.1 mailbox unavailable"]
    result = invoke("distribute", "--inputs", SAMPLE_INPUTS, "--outputs", outputs, "--month", "2025-10")
    assert result.exit_code == 5
    [alert] = smtp.to("ops@example.com")
    assert alert["Subject"] == "【salesreport 失败】distribute 2025-10"
    text = alert.get_content()
    assert "失败 ceo@example.com：550 5.1.1 mailbox unavailable" in text and "退出码 5" in text
    assert "发送 19，跳过 0，失败 1" in text
    assert f"salesreport distribute --inputs {SAMPLE_INPUTS} --outputs {outputs} --month 2025-10" in text


def test_a_usage_error_alerts_too_and_names_the_month_it_would_have_run(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ALERT_TO", "ops@example.com")
    result = invoke("report", "--month", "2025-13", "--outputs", outputs)
    assert result.exit_code == 2
    [alert] = smtp.to("ops@example.com")
    assert alert["Subject"] == "【salesreport 失败】report"
    assert "错误：'--month' 的值无效：2025-13" in alert.get_content()


def test_a_report_without_a_month_alerts_with_the_month_to_rerun(smtp, tmp_path, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ALERT_TO", "ops@example.com")
    monkeypatch.setenv("SALESREPORT_TODAY", "2026-01-05")  # the cycle: last month and this one
    result = invoke("report", "--inputs", tmp_path / "no-inputs", "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 2
    last = "2025-12..2026-01"
    [alert] = smtp.to("ops@example.com")
    assert alert["Subject"] == f"【salesreport 失败】report {last}"
    assert f"-q --month {last}" in alert.get_content()


def test_an_alert_that_cannot_be_sent_is_said_and_the_exit_code_stands(outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ALERT_TO", "ops@example.com")
    monkeypatch.setenv("SALESREPORT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SALESREPORT_SMTP_PORT", str(free_port()))  # nobody listens
    monkeypatch.setenv("SALESREPORT_SMTP_SECURITY", "none")
    result = invoke("validate", "--month", "2031-01", "--inputs", SAMPLE_INPUTS)
    assert result.exit_code == 2
    assert "没有这个月份的目标数据" in result.stderr
    assert "告警邮件未能发送：ops@example.com：无法连接 127.0.0.1" in result.stderr


def test_without_smtp_the_alert_is_written_to_the_outbox(outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ALERT_TO", "ops@example.com")
    result = invoke("distribute", "--month", "2031-01", "--inputs", SAMPLE_INPUTS, "--outputs", outputs)
    assert result.exit_code == 2
    [path] = (outputs / "outbox" / "alerts").iterdir()
    assert path.name.startswith("ops@example.com [") and path.name.endswith(" distribute].eml")
    alert = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert alert["Subject"] == "【salesreport 失败】distribute 2031-01"
    assert "找不到 2031-01 的报告" in alert.get_content()


def test_a_bad_settings_file_still_alerts_where_the_environment_says(outputs, tmp_path, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ALERT_TO", "ops@example.com")
    monkeypatch.setenv("SALESREPORT_SMTP_HOST", "")  # set but empty: as if not set
    settings = tmp_path / "salesreport.toml"
    settings.write_text('max_mail_mb = "lots"\n', encoding="utf-8")
    result = invoke("distribute", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs,
                    "--config", settings)
    assert result.exit_code == 2 and "max_mail_mb" in result.stderr
    [path] = (outputs / "outbox" / "alerts").iterdir()
    assert "max_mail_mb" in BytesParser(policy=policy.default).parsebytes(path.read_bytes()).get_content()


def test_a_run_that_succeeds_sends_no_alert(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ALERT_TO", "ops@example.com")
    assert cli("distribute", outputs).exit_code == 0
    assert smtp.to("ops@example.com") == [] and "告警" not in cli("validate", outputs).output


# --- 2. status ---------------------------------------------------------------------------------

def test_status_fails_until_everyone_has_every_current_document(smtp, outputs, inputs_copy):
    before = cli("status", outputs, inputs=inputs_copy)
    assert before.exit_code == 5
    assert "2025-10: 文档生成于" in before.output and "（38 份）" in before.output
    assert "待发送 ceo@example.com（林总）：2 个附件，缺 2 个" in before.output
    assert "20 位收件人，已送达 0，待发送 20，失败 0，待审批 0——未全部送达" in before.output
    assert cli("distribute", outputs, inputs=inputs_copy).exit_code == 0
    after = cli("status", outputs, inputs=inputs_copy)
    assert after.exit_code == 0, after.output
    assert "已送达 ceo@example.com（林总）：2 个附件" in after.output and "全部送达" in after.output
    change_a_team_note(inputs_copy)
    report(outputs, inputs_copy)
    changed = cli("status", outputs, inputs=inputs_copy)
    assert changed.exit_code == 5
    assert "待发送 sz.lead@example.com（深圳组主管）：2 个附件，缺 1 个（其中有更新）" in changed.output
    assert "已送达 gz.lead@example.com（广州组主管）：2 个附件" in changed.output


def test_a_format_added_later_sends_only_the_new_attachments_and_status_waits_for_them(smtp, outputs, monkeypatch):
    assert cli("distribute", outputs).exit_code == 0
    monkeypatch.setenv("SALESREPORT_ATTACH", "docx,xlsx")
    waiting = cli("status", outputs)
    assert waiting.exit_code == 5 and "待发送 ceo@example.com（林总）：3 个附件，缺 1 个" in waiting.output
    assert cli("distribute", outputs).exit_code == 0
    _, workbook = smtp.to("ceo@example.com")
    assert [p.get_filename() for p in workbook.iter_attachments()] == ["2025-10_销售指标.xlsx"]
    assert not workbook["Subject"].startswith("【更新】")
    # it says what it adds to the mail sent before, not the very same subject again
    assert workbook["Subject"] == "【2025-10】公司 销售月度工作计划与总结（补发：Excel）"
    assert "本邮件补发此前已发送文档的Excel版本" in workbook.get_body(("plain",)).get_content()
    assert cli("status", outputs).exit_code == 0


def test_status_names_a_failure_with_the_servers_reply(smtp, outputs):
    smtp.rules["ceo@example.com"] = ["550 5.1.1 mailbox unavailable"]
    assert cli("distribute", outputs).exit_code == 5
    result = cli("status", outputs)
    assert result.exit_code == 5
    assert "失败 ceo@example.com（林总）：2 个附件，缺 2 个；550 5.1.1 mailbox unavailable" in result.output


def test_status_of_a_range_catches_a_month_that_never_ran(smtp, outputs):
    assert cli("distribute", outputs).exit_code == 0
    result = invoke("status", "--month", "2025-09..2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs)
    assert result.exit_code == 5
    assert "2025-09: 还没有 2025-09 的报告" in result.output and "2025-10: 20 位收件人，已送达 20" in result.output
    assert invoke("status", "--month", "2025-10..2025-09", "--outputs", outputs).exit_code == 2


def test_status_counts_the_outbox_only_when_no_smtp_server_is_set(outputs, monkeypatch):
    assert cli("distribute", outputs).exit_code == 0  # outbox
    assert cli("status", outputs).exit_code == 0
    monkeypatch.setenv("SALESREPORT_SMTP_HOST", "smtp.example.com")
    assert cli("status", outputs).exit_code == 5  # nothing went by SMTP


# --- 3. approval -------------------------------------------------------------------------------

def test_status_and_approval_do_not_load_the_distribute_orchestrator():
    code = ("import sys, pipeline.delivery.status, pipeline.delivery.approval; "
            "sys.exit('pipeline.delivery.distribute' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_settings_are_loaded_once_into_one_immutable_object(tmp_path, monkeypatch):
    from pipeline import config
    monkeypatch.setenv("SALESREPORT_ATTACH", "docx,xlsx")
    settings = config.load(os.environ, None, tmp_path)
    assert isinstance(settings, config.Options) and config.settings(settings) is settings
    with pytest.raises(AttributeError):
        settings.attach = ("pdf",)
    assert settings.attach == ("docx", "xlsx")


def approvals(outputs):
    with sqlite3.connect(outputs / "deliveries.sqlite") as db:
        return db.execute("SELECT sha256, approved_by, approved_at FROM approvals WHERE month = '2025-10'").fetchall()


def test_without_approval_nothing_is_sent_and_after_it_everything(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_REQUIRE_APPROVAL", "1")
    refused = cli("distribute", outputs)
    assert refused.exit_code == 8 and smtp.messages == []
    assert "38 份要发送的文档尚未审批" in refused.stderr and "salesreport approve --month 2025-10" in refused.stderr
    waiting = cli("status", outputs)
    assert waiting.exit_code == 5 and "待审批 20" in waiting.output
    approved = cli("approve", outputs, "--by", "王经理")
    assert approved.exit_code == 0 and "王经理 已审批 38 份文档" in approved.output
    rows = approvals(outputs)
    assert {sha for sha, _, _ in rows} == {d["sha256"] for d in manifest(outputs)["documents"]}
    assert {by for _, by, _ in rows} == {"王经理"} and all(at.startswith(str(dt.date.today().year)) for *_, at in rows)
    assert cli("distribute", outputs).exit_code == 0 and len(smtp.messages) == 20


def test_a_document_changed_after_approval_needs_approving_again(smtp, outputs, inputs_copy, monkeypatch):
    monkeypatch.setenv("SALESREPORT_REQUIRE_APPROVAL", "1")
    assert cli("approve", outputs, inputs=inputs_copy).exit_code == 0
    assert cli("distribute", outputs, inputs=inputs_copy).exit_code == 0
    change_a_team_note(inputs_copy)
    report(outputs, inputs_copy)
    refused = cli("distribute", outputs, inputs=inputs_copy)
    assert refused.exit_code == 8 and len(smtp.messages) == 20
    assert "2 份要发送的文档尚未审批（或审批后有改动）" in refused.stderr and "深圳组_月度工作总结" in refused.stderr
    assert "华南区_月度工作总结" in refused.stderr
    assert cli("approve", outputs, inputs=inputs_copy).exit_code == 0
    again = cli("distribute", outputs, inputs=inputs_copy)
    assert again.exit_code == 0 and len(smtp.messages) == 22
    assert smtp.to("sz.lead@example.com")[-1]["Subject"].startswith("【更新】")


def test_bytes_approved_for_one_document_are_not_approved_for_another(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_REQUIRE_APPROVAL", "1")
    assert cli("approve", outputs, "--by", "王经理").exit_code == 0
    data = manifest(outputs)
    [approved] = [d for d in data["documents"] if (d["unit"], d["kind"]) == ("S1001", "plan")]
    [other] = [d for d in data["documents"] if (d["unit"], d["kind"]) == ("S1002", "plan")]
    (outputs / "2025-10" / other["path"]).write_bytes((outputs / "2025-10" / approved["path"]).read_bytes())
    other["sha256"] = approved["sha256"]  # the manifest edited to match
    (outputs / "2025-10" / "manifest.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    refused = cli("distribute", outputs)
    assert refused.exit_code == 8 and smtp.messages == []
    assert "1 份要发送的文档尚未审批" in refused.stderr and other["path"].split("/")[-1] in refused.stderr


@pytest.mark.parametrize("by, said", [("王经理\r\n2025-10: 李四 已审批 38 份文档", "U+000D"),
                                      ("\x1b]0;owned\x07", "U+001B"), ("王\u200b经理", "U+200B"),
                                      ("王" * 101, "最多 100 个")])
def test_an_approver_name_is_printable_and_short_or_refused(outputs, by, said):
    result = cli("approve", outputs, "--by", by)
    assert result.exit_code == 2 and said in result.stderr and by not in result.output
    assert not (outputs / "deliveries.sqlite").exists()


# --- 4. test sends -----------------------------------------------------------------------------

def test_a_preview_is_exactly_the_recipients_mail_sent_elsewhere_and_not_recorded(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_REQUIRE_APPROVAL", "1")  # a preview is how one checks before approving
    result = cli("distribute", outputs, "--preview", "east.head@example.com", "--to", "checker@example.com")
    assert result.exit_code == 0, result.output
    [(rcpt, preview)] = smtp.messages
    assert rcpt == ["checker@example.com"]
    assert preview["Subject"] == "【预览】【2025-10】公司、华东区 销售月度工作计划与总结"
    assert preview["To"] == "checker@example.com"
    assert not (outputs / "deliveries.sqlite").exists()
    assert cli("approve", outputs).exit_code == 0
    assert cli("distribute", outputs).exit_code == 0
    [real] = smtp.to("east.head@example.com")
    assert len(smtp.messages) == 21  # the real run sent everyone, the previewed recipient too
    assert attached(preview) == attached(real) == expected_documents(outputs)["east.head@example.com"]
    assert preview.get_body(("plain",)).get_content() == real.get_body(("plain",)).get_content()
    assert preview["Subject"] == "【预览】" + real["Subject"]


def test_a_preview_of_someone_who_is_not_a_recipient_is_refused(smtp, outputs):
    result = cli("distribute", outputs, "--preview", "nobody@example.com", "--to", "checker@example.com")
    assert result.exit_code == 2 and "不是 2025-10 的收件人" in result.stderr and smtp.messages == []
    assert cli("distribute", outputs, "--preview", "ceo@example.com").exit_code == 2
    assert cli("distribute", outputs, "--preview", "ceo@example.com", "--to", "not-an-address").exit_code == 2


# --- 5. attachment formats ---------------------------------------------------------------------

def workbook_of(message):
    [part] = [p for p in message.iter_attachments() if p.get_filename().endswith(".xlsx")]
    return part, openpyxl.load_workbook(io.BytesIO(part.get_content())).active


def metrics_rows(outputs):
    with (outputs / "2025-10" / "metrics.csv").open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_xlsx_holds_the_recipients_units_as_numbers_with_formats_and_fills(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ATTACH", "docx,xlsx")
    assert cli("distribute", outputs).exit_code == 0
    part, sheet = workbook_of(smtp.to("ceo@example.com")[0])
    assert part.get_filename() == "2025-10_销售指标.xlsx"
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header = [c.value for c in sheet[1]]
    assert header[:12] == ["层级", "level", "对象", "unit", "核心指标", "metric", "月度目标", "实际完成", "差异", "达成率",
                           "状态", "上月实际"]
    column = {name: header.index(name) for name in header}
    assert sheet.freeze_panes == "A2"
    rows = {r[column["核心指标"]].value: r for r in sheet.iter_rows(min_row=2)}
    company = {r["metric_name"]: r for r in metrics_rows(outputs) if r["level"] == "company"}
    assert set(rows) == set(company)
    sales = rows["销售额"]
    assert [sales[column[k]].value for k in ("层级", "level", "对象", "unit", "metric")] == \
        ["公司", "company", "公司", "公司", "sales"]
    assert (sales[column["月度目标"]].value, sales[column["实际完成"]].value) == \
        (float(company["销售额"]["target"]) / 10000, float(company["销售额"]["actual"]) / 10000) == (200, 185)
    assert sales[column["月度目标"]].number_format == '0"万元"' and sales[column["月度目标"]].data_type == "n"
    assert sales[column["达成率"]].value == pytest.approx(0.925) and sales[column["达成率"]].number_format == "0.0%"
    rate = rows["老客户复购率"]
    assert rate[column["月度目标"]].value == pytest.approx(0.35) and rate[column["月度目标"]].number_format == "0%"
    # the year to date and last year's October (tests/test_history.py sums them from the sample files):
    # 1772万 target, 1693.6万 actual, 95.6%; October 2024 161.65万, +23.35万
    assert header[15:] == ["本年累计目标", "本年累计实际", "本年累计达成率", "去年同期实际", "同比变化", "本年累计月份"]
    assert [sales[c].value for c in (15, 16, 18, 19)] == [1772, 1693.6, 161.65, 23.35]
    assert sales[17].value == pytest.approx(16_936_000 / 17_720_000) and sales[17].number_format == "0.0%"
    # the months the year to date covers, as text (issue 22): sales back to January, 回款 since September
    assert sales[20].value == "2025年1–10月" and rows["回款金额"][20].value == "2025年9–10月"
    assert rows["新客户开发数量"][column["实际完成"]].value == 12
    assert rows["新客户开发数量"][column["实际完成"]].number_format == '0"家"'
    summary = outputs / "2025-10" / "company" / "2025-10_公司_月度工作总结.docx"
    table = docx.Document(summary).tables[0]
    for doc_row in table.rows[1:]:  # the fills of the summary's 达成率 and 状态 cells
        metric, achieved, status = doc_row.cells[0].text, doc_row.cells[3], doc_row.cells[7]
        row = rows[metric]
        assert row[column["达成率"]].fill.fgColor.rgb[-6:] == fill(achieved)
        assert row[column["状态"]].fill.fgColor.rgb[-6:] == fill(status)
        assert status.text.startswith(row[column["状态"]].value)
    _, rep_sheet = workbook_of(smtp.to("zhang.wei@example.com")[0])
    assert {(r[0].value, r[2].value, r[3].value) for r in rep_sheet.iter_rows(min_row=2)} == {("个人", "张伟", "S1001")}


def test_xlsx_differences_are_signed_and_a_rates_are_percentage_points_as_the_documents_say(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ATTACH", "xlsx")
    assert cli("distribute", outputs).exit_code == 0
    _, sheet = workbook_of(smtp.to("ceo@example.com")[0])
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("核心指标")].value: r for r in sheet.iter_rows(min_row=2)}
    variance, change = header.index("差异"), header.index("环比")
    rate = rows["老客户复购率"]  # 32% of 35%: the summary says −3个百分点
    assert rate[variance].value == -3 and rate[variance].number_format == '+0"个百分点";"−"0"个百分点";0"个百分点"'
    assert rows["销售额"][variance].value == -15 and rows["销售额"][variance].number_format.startswith('+0"万元";"−"0"万元"')
    visits = rows["拜访次数"]  # 357 - 360: −3次 ... and a positive one has its +
    assert visits[variance].number_format == '+0"次";"−"0"次";0"次"'
    ahead = [r for r in rows.values() if r[variance].value > 0]  # a positive difference shows its +
    assert ahead and all(r[variance].number_format.startswith("+") for r in ahead)
    assert all(r[change].number_format.startswith("+") for r in rows.values() if r[change].value is not None)
    # printed: landscape A4, one page wide, the header row on every page
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the file
    assert sheet.print_title_rows.replace("$", "") == "1:1"


def test_xlsx_writes_a_formula_looking_name_as_text(smtp, tmp_path, inputs_copy, monkeypatch):
    for file in inputs_copy.glob("*.csv"):
        file.write_text(file.read_text(encoding="utf-8").replace("深圳组", "=1+1"), encoding="utf-8")
    outputs = tmp_path / "outputs"
    report(outputs, inputs_copy)
    monkeypatch.setenv("SALESREPORT_ATTACH", "xlsx")
    assert cli("distribute", outputs, inputs=inputs_copy).exit_code == 0
    [mail] = smtp.to("sz.lead@example.com")
    assert [p.get_filename() for p in mail.iter_attachments()] == ["2025-10_销售指标.xlsx"]
    _, sheet = workbook_of(mail)
    cells = {cell for row in sheet.iter_rows(min_row=2) for cell in (row[2], row[3])}
    assert {c.value for c in cells} == {"=1+1"} and {c.data_type for c in cells} == {"s"}


def test_pdf_made_by_report_is_attached_as_listed_with_docx_and_xlsx(smtp, tmp_path, monkeypatch, sample_pdf_report):
    outputs = tmp_path / "outputs"
    shutil.copytree(sample_pdf_report, outputs / "2025-10")  # `report --pdf` of the sample, made once
    monkeypatch.setenv("SALESREPORT_ATTACH", "docx,pdf,xlsx")
    assert cli("distribute", outputs).exit_code == 0
    listed = {d["pdf"]["sha256"] for d in manifest(outputs)["documents"]}
    expected = expected_documents(outputs)
    for email, documents in expected.items():
        [mail] = smtp.to(email)
        kinds = [p.get_filename().rsplit(".", 1)[1] for p in mail.iter_attachments()]
        assert kinds.count("docx") == kinds.count("pdf") == len(documents) and kinds.count("xlsx") == 1
        pdfs = {hashlib.sha256(p.get_content()).hexdigest() for p in mail.iter_attachments()
                if p.get_content_type() == "application/pdf"}
        assert pdfs <= listed and len(pdfs) == len(documents)


@needs_pdf
def test_pdf_missing_from_the_report_is_made_when_sending(smtp, outputs, tmp_path, monkeypatch):
    monkeypatch.setenv("SALESREPORT_ATTACH", "pdf")
    result = cli("distribute", outputs, "--preview", "zhang.wei@example.com", "--to", "checker@example.com")
    assert result.exit_code == 0, result.output
    [(_, mail)] = smtp.messages
    parts = list(mail.iter_attachments())
    assert sorted(p.get_filename() for p in parts) == ["2025-10_张伟(S1001)_月度工作总结.pdf",
                                                       "2025-10_张伟(S1001)_月度工作计划.pdf"]
    summary = next(p for p in parts if "总结" in p.get_filename())
    (tmp_path / "s.pdf").write_bytes(summary.get_content())
    text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True).stdout
    assert "张伟" in text and "月度工作总结" in text
    assert not list((outputs / "2025-10").rglob("*.pdf"))  # the report's folder is left as the report wrote it


# --- 6. mail size ------------------------------------------------------------------------------

LIMIT_MB = 0.12  # the east region head's mail (2 plans, 2 summaries, a workbook) in two parts, with room for its documents to grow a little


def test_a_mail_over_the_limit_goes_in_parts_each_within_it_every_document_once(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_MAX_MAIL_MB", str(LIMIT_MB))
    monkeypatch.setenv("SALESREPORT_ATTACH", "docx,xlsx")
    result = cli("distribute", outputs)
    assert result.exit_code == 0, result.output
    assert max(size for _, size in smtp.sizes) <= LIMIT_MB * 1_000_000
    parts = smtp.to("east.head@example.com")
    count = len(parts)
    assert count >= 2 and f"已发送 east.head@example.com（5 个附件，分 {count} 封）" in result.output
    assert [m["Subject"] for m in parts] == [f"【2025-10】公司、华东区 销售月度工作计划与总结（{n}/{count}）"
                                             for n in range(1, count + 1)]
    names = [p.get_filename() for m in parts for p in m.iter_attachments()]
    assert len(names) == len(set(names)) == 5
    assert set().union(*(attached(m) for m in parts)) >= expected_documents(outputs)["east.head@example.com"]
    assert len(smtp.to("zhang.wei@example.com")) == 1  # a mail within the limit stays whole
    sent = len(smtp.messages)
    assert cli("distribute", outputs).exit_code == 0 and len(smtp.messages) == sent


def test_a_preview_in_parts_has_one_subject_like_the_mail_it_previews(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_MAX_MAIL_MB", "0.07")  # about a document a part: parts of one kind each
    result = cli("distribute", outputs, "--preview", "east.head@example.com", "--to", "checker@example.com")
    assert result.exit_code == 0, result.output
    parts = smtp.to("checker@example.com")
    assert len(parts) >= 2
    assert [m["Subject"] for m in parts] == [f"【预览】【2025-10】公司、华东区 销售月度工作计划与总结（{n}/{len(parts)}）"
                                             for n in range(1, len(parts) + 1)]


def test_a_failed_part_is_the_only_one_sent_again(smtp, outputs, monkeypatch):
    monkeypatch.setenv("SALESREPORT_MAX_MAIL_MB", str(LIMIT_MB))
    smtp.refuse_nth["east.head@example.com"] = 2
    first = cli("distribute", outputs)
    assert first.exit_code == 5 and "失败 east.head@example.com：550 5.3.4" in first.stderr
    [part_one] = smtp.to("east.head@example.com")
    assert part_one["Subject"].endswith("（1/2）")
    assert cli("status", outputs).exit_code == 5
    again = cli("distribute", outputs)
    assert again.exit_code == 0
    _, retry = smtp.to("east.head@example.com")
    assert attached(part_one) | attached(retry) == expected_documents(outputs)["east.head@example.com"]
    assert not attached(part_one) & attached(retry)
    assert cli("status", outputs).exit_code == 0


def test_a_part_whose_fate_a_killed_run_left_unknown_goes_again_with_its_message_id(smtp, outputs, monkeypatch):
    smtp.hold = "east.head@example.com"  # the server takes part 1 but the client never hears back
    monkeypatch.setenv("SALESREPORT_MAX_MAIL_MB", str(LIMIT_MB))
    killed_once_held(smtp, outputs, {})
    smtp.hold = None
    [unknown] = smtp.to("east.head@example.com")
    assert unknown["Subject"].endswith("（1/2）")
    result = cli("distribute", outputs)
    assert result.exit_code == 0 and "上次结果未知，已用相同 Message-ID 重发" in result.output
    first, again, rest = smtp.to("east.head@example.com")
    assert again["Message-ID"] == first["Message-ID"] and attached(again) == attached(first)
    assert attached(first) | attached(rest) == expected_documents(outputs)["east.head@example.com"]
    assert not attached(first) & attached(rest)


def test_an_attachment_too_large_for_any_mail_fails_that_recipient_by_name(smtp, outputs, monkeypatch):
    # the company's summary (≈41 KB, ≈56 KB in base64) fits no mail; a rep's (≈31 KB, ≈42 KB) does
    monkeypatch.setenv("SALESREPORT_MAX_MAIL_MB", "0.052")
    result = cli("distribute", outputs)
    assert result.exit_code == 5
    assert "失败 ceo@example.com：附件「2025-10_公司_月度工作总结.docx」单独一封邮件就有" in result.stderr
    assert "超过每封邮件 0.052 MB 的上限" in result.stderr
    assert smtp.to("ceo@example.com") == [] and smtp.to("zhang.wei@example.com")
    assert max(size for _, size in smtp.sizes) <= 52_000


# --- 7. archive --------------------------------------------------------------------------------

def test_a_delivered_document_survives_its_replacement_in_the_archive(smtp, outputs, inputs_copy):
    assert cli("distribute", outputs, inputs=inputs_copy).exit_code == 0
    old = next(d for d in manifest(outputs)["documents"] if d["unit"] == "深圳组" and d["kind"] == "summary")
    change_a_team_note(inputs_copy)
    report(outputs, inputs_copy)
    assert old["sha256"] not in {d["sha256"] for d in manifest(outputs)["documents"]}
    kept = outputs / "archive" / "2025-10" / old["sha256"] / "2025-10_深圳组_月度工作总结.docx"
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == old["sha256"]
    assert cli("distribute", outputs, inputs=inputs_copy).exit_code == 0
    said = cli("status", outputs, "--received", inputs=inputs_copy)
    assert said.exit_code == 0
    output = said.output.splitlines()
    start = next(n for n, line in enumerate(output) if "sz.lead@example.com" in line)
    block = takewhile(lambda line: line.startswith("      "), output[start + 1:])  # its received attachments
    lines = [line for line in block if "深圳组_月度工作总结" in line]
    assert len(lines) == 2 and f"sha256 {old['sha256'][:12]}" in lines[0] and str(kept) in lines[0]


def test_archive_months_older_than_the_setting_are_removed(smtp, outputs, monkeypatch):
    old = outputs / "archive" / "2019-01" / ("0" * 64)
    old.mkdir(parents=True)
    (old / "old.docx").write_bytes(b"old")
    recent = outputs / "archive" / f"{dt.date.today():%Y-%m}"
    recent.mkdir()
    monkeypatch.setenv("SALESREPORT_ARCHIVE_MONTHS", "12")
    assert cli("distribute", outputs).exit_code == 0
    assert not (outputs / "archive" / "2019-01").exists() and recent.exists()


# --- the ledger of an earlier version ------------------------------------------------------------

V1_SCHEMA = """CREATE TABLE deliveries (transport TEXT NOT NULL, month TEXT NOT NULL, recipient TEXT NOT NULL,
    documents TEXT NOT NULL, message_id TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    is_update INTEGER NOT NULL DEFAULT 0, last_error TEXT, updated_at TEXT NOT NULL,
    PRIMARY KEY (transport, month, recipient))"""


def test_a_ledger_of_the_previous_version_keeps_what_it_recorded_as_delivered(smtp, outputs, inputs_copy):
    assert cli("distribute", outputs, inputs=inputs_copy).exit_code == 0
    with sqlite3.connect(outputs / "deliveries.sqlite") as db:
        rows = db.execute("SELECT transport, month, recipient, documents, message_id, status, attempts, is_update,"
                          " last_error, updated_at FROM deliveries").fetchall()
    (outputs / "deliveries.sqlite").unlink()
    with sqlite3.connect(outputs / "deliveries.sqlite") as db:  # as version 1 wrote it: one row per mail
        db.execute(V1_SCHEMA)
        db.executemany("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("PRAGMA user_version = 1")
    assert cli("distribute", outputs, inputs=inputs_copy).exit_code == 0
    assert len(smtp.messages) == 20 and cli("status", outputs, inputs=inputs_copy).exit_code == 0
    change_a_team_note(inputs_copy)
    report(outputs, inputs_copy)
    assert cli("distribute", outputs, inputs=inputs_copy).exit_code == 0
    assert sorted(rcpt for rcpt, _ in smtp.messages[20:]) == [["south.head@example.com"], ["sz.lead@example.com"]]
    assert all(message["Subject"].startswith("【更新】") for _, message in smtp.messages[20:])
