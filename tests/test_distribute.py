"""Distribution against a real SMTP server on 127.0.0.1: everyone their own documents, exactly once."""
import asyncio
import csv
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from pipeline.delivery.distribute import distribute

from .conftest import ROOT, SAMPLE_INPUTS, invoke


class Server:
    """Records every message; `rules[address]` lists replies to give that RCPT before accepting."""

    def __init__(self):
        self.messages, self.rules, self.hold = [], {}, None

    async def handle_RCPT(self, server, session, envelope, address, options):
        replies = self.rules.get(address)
        if replies:
            return replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append((list(envelope.rcpt_tos), message))
        if self.hold and self.hold in envelope.rcpt_tos:  # accepted, but the reply never reaches the client
            await asyncio.sleep(60)
        return "250 Message accepted"

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    server = Server()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    server.env = {"SALESREPORT_SMTP_HOST": "127.0.0.1", "SALESREPORT_SMTP_PORT": str(controller.port),
                  "SALESREPORT_SMTP_SECURITY": "none", "SALESREPORT_MAIL_FROM": "reports@example.com"}
    yield server
    controller.stop()


@pytest.fixture
def outputs(sample_report, tmp_path):
    """A private outputs/ holding the sample's 2025-10 report."""
    folder = tmp_path / "outputs"
    shutil.copytree(sample_report, folder / "2025-10")
    shutil.copy(sample_report.parent / ".fields.key", folder)  # its key: a rerun gives the same documents
    return folder


def expected_documents(outputs):
    """Who must receive which documents' sha256, worked out from the sample inputs directly."""
    manifest = json.loads((outputs / "2025-10" / "manifest.json").read_text(encoding="utf-8"))
    units = {}
    with (SAMPLE_INPUTS / "org.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            units.setdefault(row["email"], set()).add(("rep", row["rep_id"]))
    with (SAMPLE_INPUTS / "recipients.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            units.setdefault(row["email"], set()).add((row["level"], row["unit"]))
    return {email: {d["sha256"] for d in manifest["documents"] if (d["level"], d["unit"]) in wanted}
            for email, wanted in units.items()}


def attached(message):
    return {hashlib.sha256(part.get_content()).hexdigest() for part in message.iter_attachments()}


def run(outputs, env, inputs=SAMPLE_INPUTS, **options):
    return distribute("2025-10", inputs, outputs, env, retry_delay=0.01, **options)


def test_everyone_receives_one_mail_with_exactly_their_documents(smtp, outputs):
    result = run(outputs, smtp.env)
    expected = expected_documents(outputs)
    assert result.count("sent") == len(expected) == 20
    for email, hashes in expected.items():
        [message] = smtp.to(email)
        assert attached(message) == hashes
        assert [rcpt for rcpt, m in smtp.messages if m is message] == [[email]]
    east = smtp.to("east.head@example.com")[0]
    assert east["Subject"] == "【2025-10】公司、华东区 销售月度工作计划与总结"
    names = sorted(part.get_filename() for part in east.iter_attachments())
    assert names[0] == "2025-10_公司_月度工作总结.docx"
    body = east.get_body(("plain",)).get_content()
    assert "华东区：销售额 93%（接近目标）；新客户开发数量 75%（未达成）" in body
    assert "background:#FFC7CE" in east.get_body(("html",)).get_content()


def test_a_rerun_sends_nothing_and_resend_sends_again(smtp, outputs):
    run(outputs, smtp.env)
    assert run(outputs, smtp.env).count("skipped") == 20 and len(smtp.messages) == 20
    run(outputs, smtp.env, resend=True)
    assert len(smtp.messages) == 40


def test_a_changed_document_is_sent_again_once_as_an_update(smtp, outputs, inputs_copy):
    run(outputs, smtp.env, inputs=inputs_copy)
    with (inputs_copy / "notes.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,team,深圳组,,highlight,补录后活动数据已更新。\n")
    assert invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", outputs, "-q").exit_code == 0
    result = run(outputs, smtp.env, inputs=inputs_copy)
    # 深圳组's summary and 华南区's, which shows its teams' highlights (it wrote none of its own)
    assert sorted(o.mail.recipient for o in result.outcomes if o.status == "sent") == ["south.head@example.com",
                                                                                      "sz.lead@example.com"]
    first, update = smtp.to("sz.lead@example.com")
    assert update["Subject"].startswith("【更新】") and update["X-Salesreport-Update"] == "yes"
    assert update["Message-ID"] != first["Message-ID"]
    assert run(outputs, smtp.env, inputs=inputs_copy).count("sent") == 0


def test_a_temporary_refusal_is_retried_and_delivered_once(smtp, outputs):
    smtp.rules["ceo@example.com"] = ["451 4.3.0 try again later"]
    result = run(outputs, smtp.env)
    assert result.count("failed") == 0
    assert len(smtp.to("ceo@example.com")) == 1


def test_a_permanent_refusal_fails_that_one_and_a_rerun_retries_only_it(smtp, outputs):
    smtp.rules["ceo@example.com"] = ["550 5.1.1 mailbox unavailable"]
    first = subprocess.run([sys.executable, "-m", "pipeline", "distribute", "--month", "2025-10",
                            "--inputs", str(SAMPLE_INPUTS), "--outputs", str(outputs)],
                           capture_output=True, text=True, env={**os.environ, **smtp.env, "PYTHONPATH": str(ROOT)})
    assert first.returncode == 5
    assert "失败 ceo@example.com：550 5.1.1 mailbox unavailable" in first.stderr
    assert len(smtp.messages) == 19 and smtp.to("ceo@example.com") == []
    again = run(outputs, smtp.env)
    assert [o.mail.recipient for o in again.outcomes if o.status == "sent"] == ["ceo@example.com"]
    assert len(smtp.messages) == 20


def killed_once_held(server, outputs, env):
    """Runs distribute in a process with `env` and kills it once the server holds the mail to
    `server.hold` (it has the mail, the client never hears back)."""
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "distribute", "--month", "2025-10",
                                "--inputs", str(SAMPLE_INPUTS), "--outputs", str(outputs)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, **env, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not server.to(server.hold) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate()


def test_a_killed_run_rerun_delivers_all_and_nothing_recorded_twice(smtp, outputs):
    smtp.hold = "east.head@example.com"  # the server takes this mail but the client never hears back
    killed_once_held(smtp, outputs, smtp.env)
    before = {rcpt[0] for rcpt, _ in smtp.messages}
    smtp.hold = None
    result = run(outputs, smtp.env)
    expected = expected_documents(outputs)
    for email in expected:
        copies = smtp.to(email)
        assert len(copies) >= 1
        if email in before and email != "east.head@example.com":
            assert len(copies) == 1, email  # recorded as sent before the kill: never again
    unknown = smtp.to("east.head@example.com")
    assert len(unknown) == 2 and unknown[0]["Message-ID"] == unknown[1]["Message-ID"]
    resent = [o for o in result.outcomes if o.resent_unknown]
    assert [o.mail.recipient for o in resent] == ["east.head@example.com"]


def test_line_breaks_in_names_cannot_inject_headers(tmp_path, inputs_copy, outputs):
    # CR/LF in a name is an input error (a name is no free text); the breaks a CSV keeps in a cell
    # (U+0085 NEL, U+2028 LS, a lone CR or LF) still never reach a header as breaks
    org = (inputs_copy / "org.csv").read_text(encoding="utf-8")
    org = org.replace("S1001,张伟,", 'S1001,"张伟\u0085Bcc: evil@example.com",')
    (inputs_copy / "org.csv").write_text(org, encoding="utf-8")
    (inputs_copy / "recipients.csv").write_text(
        'level,unit,email,name\ncompany,公司,boss@example.com,"老板\u2028Bcc: evil@example.com"\n', encoding="utf-8")
    run(outputs, {}, inputs=inputs_copy)
    for path in (outputs / "outbox" / "2025-10").glob("*.eml"):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert message["Bcc"] is None and "evil@" not in str(message["To"])
        assert len(message["To"].addresses) == 1
    boss = BytesParser(policy=policy.default).parsebytes(
        (outputs / "outbox" / "2025-10" / "boss@example.com.eml").read_bytes())
    [address] = boss["To"].addresses
    assert (address.display_name, address.addr_spec) == ("老板 Bcc evil example.com", "boss@example.com")


def test_the_default_outbox_writes_one_eml_per_recipient_with_the_documents(outputs):
    result = run(outputs, {})
    assert result.transport.startswith("outbox")
    expected = expected_documents(outputs)
    files = sorted((outputs / "outbox" / "2025-10").glob("*.eml"))
    assert sorted(p.stem for p in files) == sorted(expected)
    for path in files:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert attached(message) == expected[path.stem]


def test_attachment_names_are_also_rfc_2047_name_on_content_type_for_every_client(outputs):
    run(outputs, {})
    raw = (outputs / "outbox" / "2025-10" / "east.head@example.com.eml").read_bytes()
    # as munpack and older Outlook read it: the Content-Type's name=, each encoded word decoded
    parsed = message_from_bytes(raw, policy=policy.compat32)
    names = []
    for part in parsed.walk():
        if part.get_content_disposition() == "attachment":
            value = part.get_param("name")
            assert value.startswith("=?utf-8?b?") and all(len(word) <= 75 for word in value.split())
            names.append(str(make_header(decode_header(value))))
    assert sorted(names) == ["2025-10_公司_月度工作总结.docx", "2025-10_公司_月度工作计划.docx",
                             "2025-10_华东区_月度工作总结.docx", "2025-10_华东区_月度工作计划.docx"]
    # and RFC 2231's filename*= on Content-Disposition still, which newer clients read
    modern = BytesParser(policy=policy.default).parsebytes(raw)
    assert sorted(p.get_filename() for p in modern.iter_attachments()) == sorted(names) and b" filename*" in raw


def test_outbox_delivery_does_not_count_as_smtp_delivery(smtp, outputs):
    run(outputs, {})
    assert run(outputs, smtp.env).count("sent") == 20


def test_dry_run_lists_and_changes_nothing(outputs):
    result = invoke("distribute", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs, "--dry-run")
    assert result.exit_code == 0
    assert "将发送 east.head@example.com（4 份）：2025-10_公司_月度工作计划.docx" in result.output
    assert not (outputs / "deliveries.sqlite").exists() and not (outputs / "outbox").exists()


def test_a_unit_the_month_lacks_is_a_warning(outputs, inputs_copy):
    with (inputs_copy / "recipients.csv").open("a", encoding="utf-8") as handle:
        handle.write("team,北京组,bj.lead@example.com,北京组主管\n")
    result = invoke("distribute", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", outputs)
    assert result.exit_code == 0
    assert "recipients.csv 第11行：2025-10 没有「北京组」（团队）的文档" in result.stderr
    assert not (outputs / "outbox" / "2025-10" / "bj.lead@example.com.eml").exists()


def test_a_bad_address_names_file_line_and_column(outputs, inputs_copy):
    (inputs_copy / "recipients.csv").write_text("层级,对象,邮箱\nregion,华东区,east.head(at)example.com\n",
                                                encoding="utf-8")
    result = invoke("distribute", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", outputs)
    assert result.exit_code == 2
    assert "recipients.csv 第2行 列「邮箱」 值「east.head(at)example.com」：不是有效的邮箱地址" in result.stderr
    assert not (outputs / "outbox").exists()


@pytest.mark.parametrize("address, why", [
    ("张伟@example.com", "非 ASCII"), ("ceo@\uff45xample.com", "非 ASCII"), ("ceo@bücher.example", "xn--"),
    ("ceo@example.com.", "不能以点结尾"), ("x..y@example.com", "连续"), (".x@example.com", "@ 前面"),
    ("ceo@example..com", "连续的点"), ("ceo@-example.com", "域名无效"), ("ceo@localhost", "域名无效"),
    ("a@b@example.com", "一个 @")])
def test_an_address_the_transport_cannot_deliver_is_an_input_error_before_anything_is_sent(
        address, why, outputs, inputs_copy):
    with (inputs_copy / "recipients.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"company,公司,{address},某人\n")
    result = invoke("distribute", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", outputs)
    assert result.exit_code == 2 and "Traceback" not in result.output
    [line] = [line for line in result.stderr.splitlines() if "recipients.csv 第11行 列「email」" in line]
    assert f"值「{address}」：不是有效的邮箱地址" in line and why in line
    assert not (outputs / "outbox").exists()
    org = (inputs_copy / "org.csv").read_text(encoding="utf-8").replace("zhang.wei@example.com", address)
    (inputs_copy / "org.csv").write_text(org, encoding="utf-8")
    assert "org.csv 第2行 列「email」" in invoke("validate", "--month", "2025-10", "--inputs", inputs_copy).stderr


def test_addresses_of_the_documented_syntax_are_accepted():
    from pipeline.inputs.address import is_email
    assert all(is_email(a) for a in ["o'brien+reports@example.com", "a/b@example.com", "x.y-z@xn--bcher-kva.example",
                                     "UPPER@Example.COM", "a@b.c"])


def test_distribute_before_report_says_what_to_do(tmp_path):
    result = invoke("distribute", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert result.exit_code == 2 and "请先运行 salesreport report --month 2025-10" in result.stderr


def test_overlapping_runs_are_refused_rather_than_sending_twice(outputs):
    from pipeline.publish import exclusive

    with exclusive(outputs / ".deliveries.lock", "held by a first run"):
        result = invoke("distribute", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs)
    assert result.exit_code == 1 and "另一个 distribute 正在运行" in result.stderr
    assert not (outputs / "outbox").exists()


def test_the_outbox_says_written_to_the_outbox_and_smtp_says_sent(smtp, outputs, monkeypatch):
    result = invoke("distribute", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs)
    assert result.exit_code == 0
    assert "已写入发件箱 east.head@example.com（4 个附件）" in result.output and "已发送" not in result.output
    assert "2025-10: 写入发件箱 20，跳过 0" in result.output
    again = invoke("distribute", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs)
    assert "跳过 east.head@example.com（已写入过发件箱，文档未变）" in again.output
    for name, value in smtp.env.items():
        monkeypatch.setenv(name, value)
    result = invoke("distribute", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs)
    assert "已发送 east.head@example.com（4 个附件）" in result.output and "发件箱" not in result.output
    assert "2025-10: 发送 20，跳过 0" in result.output


@pytest.mark.parametrize("have, kinds, expected", [
    ({"a.docx": "A"}, [("pdf", "a.docx", "A")], ("PDF",)),
    ({"a.docx": "A"}, [("pdf", "a.docx", "A"), ("xlsx", None, None)], ("PDF", "Excel")),
    ({"a.docx": "A"}, [("pdf", "a.docx", "B")], ()),  # the document changed: not a 补发
    ({"a.docx": "A"}, [("docx", "b.docx", "B"), ("pdf", "b.docx", "B")], ()),  # a new document
    ({}, [("pdf", "a.docx", "A")], ()),  # nothing sent before
])
def test_a_mail_adding_formats_to_documents_already_sent_is_a_supplement(have, kinds, expected):
    from pipeline.delivery.attachments import Item
    from pipeline.delivery.distribute import added_formats
    from pipeline.delivery.ledger import Delivered
    items = [Item(f"x.{kind}", kind, f"{kind}:{sha}", {"path": f"rep/{name}", "sha256": sha} if name else None)
             for kind, name, sha in kinds]
    assert added_formats(items, Delivered(dict(have))) == expected


def test_a_scope_of_all_sends_a_lead_every_document_inside_their_unit_in_one_mail(outputs, inputs_copy):
    (inputs_copy / "recipients.csv").write_text(
        "层级,对象,邮箱,姓名,范围\n"
        "team,上海一组,sh1.lead@example.com,上海一组主管,all\n"
        "team,杭州组,hz.lead@example.com,杭州组主管,\n"
        "region,华南区,south.head@example.com,华南区总监,ALL\n"
        "region,华东区,east.head@example.com,华东区总监,own\n", encoding="utf-8")
    result = run(outputs, {}, inputs=inputs_copy)
    assert result.count("sent") >= 4
    box = outputs / "outbox" / "2025-10"

    def names(address: str) -> list[str]:
        [message] = [BytesParser(policy=policy.default).parsebytes((box / f"{address}.eml").read_bytes())]
        return sorted(part.get_filename() for part in message.iter_attachments())

    # 上海一组 (张伟, 王芳, 李娜): the team's two documents and its three reps' two each
    lead = names("sh1.lead@example.com")
    assert len(lead) == 8 and sum("上海一组" in n for n in lead) == 2
    assert {n.split("_")[1] for n in lead} == {"上海一组", "张伟(S1001)", "王芳(S1002)", "李娜(S1003)"}
    # 华南区 (广州组, 深圳组, 6 reps): 1 + 2 + 6 units, 2 documents each
    assert len(names("south.head@example.com")) == 18
    assert len(names("hz.lead@example.com")) == 2 and len(names("east.head@example.com")) == 2


def test_a_bad_scope_is_named_by_validate_with_file_line_and_column(inputs_copy):
    (inputs_copy / "recipients.csv").write_text(
        "level,unit,email,scope\nteam,上海一组,sh1.lead@example.com,everyone\n", encoding="utf-8")
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert result.exit_code == 2
    assert "recipients.csv 第2行 列「scope」" in result.output + result.stderr
    assert "everyone" in result.output + result.stderr and "Traceback" not in result.output
