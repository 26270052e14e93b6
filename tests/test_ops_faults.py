"""What goes wrong around a run — a full or read-only disk, a broken ledger, a dead mail server,
links planted in outputs/, two jobs at once — ends in a clear message and its exit code, loses
nothing and lets no one in."""
import contextlib
import errno
import json
import os
import pathlib
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from pipeline.delivery import ledger as ledger_module
from pipeline.delivery.distribute import distribute
from pipeline.publish import staged_month

from .conftest import ROOT, SAMPLE_INPUTS, entries, invoke
from .test_distribute import Server, free_port, outputs, run, smtp  # noqa: F401 (fixtures)

DEAD_PID = 2 ** 22 + 12345  # above any pid_max in use: never a running process


def ledger_rows(outputs):
    with sqlite3.connect(outputs / "deliveries.sqlite") as db:
        return db.execute("SELECT transport, recipient, status FROM deliveries ORDER BY recipient").fetchall()


def parsed(path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def report(outputs, inputs=SAMPLE_INPUTS):
    return invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", outputs, "-q")


def send(outputs, inputs=SAMPLE_INPUTS, *options):
    return invoke("distribute", "--month", "2025-10", "--inputs", inputs, "--outputs", outputs, *options)


# --- 4. a delivery is a delivery, whichever relay carried it ---------------------------------

def test_the_same_server_spelled_three_ways_gets_each_mail_once(smtp, outputs):
    for host in ("127.0.0.1", "localhost", "LOCALHOST"):
        run(outputs, {**smtp.env, "SALESREPORT_SMTP_HOST": host})
    assert len(smtp.messages) == 20
    assert {transport for transport, _, _ in ledger_rows(outputs)} == {"smtp"}


def test_a_ledger_keyed_by_server_name_is_folded_into_one_row_per_recipient(smtp, outputs):
    run(outputs, smtp.env)
    port = smtp.env["SALESREPORT_SMTP_PORT"]
    with sqlite3.connect(outputs / "deliveries.sqlite") as db:  # as an older version wrote it
        db.execute("UPDATE deliveries SET transport = ?", (f"smtp://127.0.0.1:{port}",))
        db.execute("INSERT INTO deliveries (transport, month, recipient, documents, message_id, status, updated_at)"
                   " VALUES (?, '2025-10', 'ceo@example.com', 'x', '<x@y>', 'failed', '2000-01-01T00:00:00Z')",
                   (f"smtp://localhost:{port}",))
        db.execute("PRAGMA user_version = 0")
    result = run(outputs, {**smtp.env, "SALESREPORT_SMTP_HOST": "localhost"})
    assert result.count("skipped") == 20 and len(smtp.messages) == 20
    rows = ledger_rows(outputs)
    assert len(rows) == 20 and {(t, s) for t, _, s in rows} == {("smtp", "sent")}


# --- 5. one outbox file per recipient --------------------------------------------------------

def test_addresses_a_file_name_cannot_hold_still_get_one_outbox_file_each(outputs, inputs_copy):
    addresses = ["a/b@example.com", "a_b@example.com", "a?b@example.com"]
    (inputs_copy / "recipients.csv").write_text(
        "level,unit,email\n" + "".join(f"company,公司,{a}\n" for a in addresses), encoding="utf-8")
    assert send(outputs, inputs_copy).exit_code == 0
    files = list((outputs / "outbox" / "2025-10").glob("a*.eml"))
    assert sorted(parsed(p)["To"] for p in files) == sorted(addresses)
    assert (outputs / "outbox" / "2025-10" / "a_b@example.com.eml").is_file()  # a plain address keeps its name


# --- 6. links planted in outputs/ ------------------------------------------------------------

def test_a_link_planted_at_a_lock_file_is_not_followed(tmp_path, outputs):
    outside = tmp_path / "outside"
    outside.mkdir()
    for lock in (".2025-10.lock", ".deliveries.lock"):
        (outputs / lock).symlink_to(outside / f"created-through{lock}")
    assert report(outputs).exit_code == 0
    assert send(outputs).exit_code == 0
    assert list(outside.iterdir()) == []
    assert not (outputs / ".2025-10.lock").is_symlink() and not (outputs / ".deliveries.lock").is_symlink()


def test_links_planted_at_staging_names_are_neither_followed_nor_left(tmp_path):
    outputs, outside = tmp_path / "outputs", tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep")
    outputs.mkdir()
    for name in (f".2025-10.staging-{os.getpid()}", f".2025-10.staging-{DEAD_PID}", f".2025-10.retired-{DEAD_PID}"):
        (outputs / name).symlink_to(outside, target_is_directory=True)
    result = report(outputs)
    assert result.exit_code == 0, result.output
    assert [p.name for p in outside.iterdir()] == ["precious.txt"]
    assert entries(outputs) == ["2025-10"] and not (outputs / "2025-10").is_symlink()


def test_links_planted_in_the_outbox_are_replaced_not_written_through(tmp_path, outputs):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    folder = outputs / "outbox" / "2025-10"
    folder.mkdir(parents=True)
    for name in ("ceo@example.com.eml.tmp", "ceo@example.com.eml", "zhang.wei@example.com.eml.tmp"):
        (folder / name).symlink_to(victim)
    assert send(outputs).exit_code == 0
    assert victim.read_text() == "keep"
    assert parsed(folder / "ceo@example.com.eml")["To"] == "林总 <ceo@example.com>"
    assert not (folder / "ceo@example.com.eml").is_symlink()
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*"))


@pytest.mark.parametrize("planted", ["deliveries.sqlite", "outbox"])
def test_a_ledger_or_outbox_that_is_a_link_is_refused_not_written_through(tmp_path, outputs, planted):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outputs / planted).symlink_to(outside / "target" if planted.endswith("sqlite") else outside)
    result = send(outputs)
    assert result.exit_code == 6 and "是符号链接" in result.stderr and "Traceback" not in result.output
    assert list(outside.iterdir()) == []


def months_manifest(outputs):
    return json.loads((outputs / "2025-10" / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", ["distribute", "approve", "status"])
def test_a_month_folder_that_is_a_link_is_refused_by_every_command_that_reads_it(tmp_path, outputs, command):
    elsewhere = tmp_path / "elsewhere"
    (outputs / "2025-10").rename(elsewhere)
    (outputs / "2025-10").symlink_to(elsewhere)
    result = invoke(command, "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs)
    assert result.exit_code == 6 and "Traceback" not in result.output
    assert f"{outputs / '2025-10'}：是符号链接" in result.stderr
    assert not (outputs / "outbox").exists() and not (outputs / "archive").exists()


@pytest.mark.parametrize("path", ["../../../secret.docx", "/tmp/secret.docx", "company/../../secret.docx"])
def test_a_manifest_path_outside_the_month_is_never_read(tmp_path, outputs, path):
    (outputs / "secret.docx").write_bytes(b"secret")
    manifest = months_manifest(outputs)
    manifest["documents"][0]["path"] = path
    (outputs / "2025-10" / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    result = send(outputs)
    assert result.exit_code == 6 and "Traceback" not in result.output
    assert f"文档路径「{path}」不在 {outputs / '2025-10'} 之内" in result.stderr
    assert not [p for p in outputs.rglob("*") if p.is_file() and p.read_bytes() == b"secret" and p.name != "secret.docx"]


@pytest.mark.parametrize("planted", ["company", "company/2025-10_公司_月度工作计划.docx"])
def test_a_link_inside_the_month_is_refused_naming_it(tmp_path, outputs, planted):
    target = outputs / "2025-10" / planted
    moved = tmp_path / "moved"
    target.rename(moved)
    target.symlink_to(moved)
    result = send(outputs)
    assert result.exit_code == 6 and f"{target}：是符号链接" in result.stderr
    assert not (outputs / "outbox" / "2025-10" / "ceo@example.com.eml").exists()  # the company's reader


def test_an_outbox_swapped_mid_run_is_exit_6_naming_it(tmp_path, outputs, monkeypatch):
    from pipeline.delivery import distribute as module
    outside, folder = tmp_path / "outside", outputs / "outbox" / "2025-10"
    outside.mkdir()
    deliver = module._Delivery.deliver

    def swapping(self, mail, items):
        if folder.is_dir() and not folder.is_symlink() and list(folder.iterdir()):
            folder.rename(tmp_path / "moved-outbox")
            folder.symlink_to(outside)
        return deliver(self, mail, items)

    monkeypatch.setattr(module._Delivery, "deliver", swapping)
    result = send(outputs)
    assert result.exit_code == 6 and f"{folder}：是符号链接" in result.stderr
    assert list(outside.iterdir()) == [] and len(list((tmp_path / "moved-outbox").glob("*.eml"))) == 1


@pytest.mark.parametrize("ledger, said", [(b"", "是空文件（0 字节）"), (None, "是一个文件夹")])
def test_an_empty_ledger_or_a_folder_in_its_place_is_exit_7_and_nothing_is_resent(outputs, ledger, said):
    path = outputs / "deliveries.sqlite"
    path.write_bytes(ledger) if ledger is not None else path.mkdir()
    for command in (send, lambda o: invoke("status", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", o)):
        result = command(outputs)
        assert result.exit_code == 7 and f"{path} {said}，不是有效的发送记录" in result.stderr
    assert not (outputs / "outbox").exists()


def test_another_sqlite_database_is_not_taken_for_a_ledger(outputs):
    with sqlite3.connect(outputs / "deliveries.sqlite") as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    result = send(outputs)
    assert result.exit_code == 7 and "不是 salesreport 的发送记录" in result.stderr


READER = """
import os, sys
path, stop = sys.argv[1], sys.argv[2]
checks = misses = 0
print("ready", flush=True)
while not os.path.exists(stop):
    for _ in range(200):
        checks += 1
        misses += not os.path.exists(path)
print(checks, misses)
"""


def test_a_reader_never_finds_the_month_missing_while_it_is_replaced(tmp_path):
    outputs = tmp_path / "outputs"
    with staged_month(outputs, "2025-10") as staging:
        (staging / "manifest.json").write_text("0")
    reader = subprocess.Popen([sys.executable, "-c", READER, str(outputs / "2025-10" / "manifest.json"),
                               str(tmp_path / "stop")], stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline() == "ready\n"
    for number in range(1, 300):
        with staged_month(outputs, "2025-10") as staging:
            (staging / "manifest.json").write_text(str(number))
    (tmp_path / "stop").touch()
    checks, misses = map(int, reader.communicate(timeout=30)[0].split())
    assert checks > 1000 and misses == 0
    assert (outputs / "2025-10" / "manifest.json").read_text() == "299"
    assert entries(outputs) == ["2025-10"]


def test_without_an_atomic_exchange_a_failed_swap_puts_the_old_month_back_at_once(tmp_path, monkeypatch):
    from pipeline import publish
    monkeypatch.setattr(publish, "_RENAMEAT2", None, raising=False)  # as on a system without renameat2
    outputs = tmp_path / "outputs"
    with staged_month(outputs, "2025-10") as staging:
        (staging / "manifest.json").write_text("old")
    real_rename = pathlib.Path.rename

    def rename(source, target):
        if ".staging-" in source.name and pathlib.Path(target).name == "2025-10":
            raise KeyboardInterrupt  # the run is stopped between the two renames
        return real_rename(source, target)

    monkeypatch.setattr(pathlib.Path, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        with staged_month(outputs, "2025-10") as staging:
            (staging / "manifest.json").write_text("new")
    assert (outputs / "2025-10" / "manifest.json").read_text() == "old"
    monkeypatch.undo()
    with staged_month(outputs, "2025-10") as staging:
        (staging / "manifest.json").write_text("new")
    assert (outputs / "2025-10" / "manifest.json").read_text() == "new"
    assert entries(outputs) == ["2025-10"]


# --- 7. the environment fails: a message and an exit code, never a traceback ---------------

def test_a_full_disk_during_report_is_exit_6_and_keeps_the_previous_month(tmp_path, monkeypatch):
    outputs = tmp_path / "outputs"
    assert report(outputs).exit_code == 0
    before = (outputs / "2025-10" / "manifest.json").read_bytes()
    real_write = pathlib.Path.write_bytes

    def write_bytes(path, data):
        if ".staging-" in str(path) and "team" in str(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_write(path, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", write_bytes)
    result = report(outputs)
    assert result.exit_code == 6
    assert "磁盘已满" in result.stderr and "Traceback" not in result.output
    assert (outputs / "2025-10" / "manifest.json").read_bytes() == before
    assert entries(outputs) == ["2025-10"]


def test_a_month_held_open_on_windows_is_exit_6_saying_to_close_it_and_stays_whole(tmp_path, monkeypatch):
    from pipeline import publish
    outputs = tmp_path / "outputs"
    assert report(outputs).exit_code == 0
    before = (outputs / "2025-10" / "manifest.json").read_bytes()
    monkeypatch.setattr(publish, "_RENAMEAT2", None, raising=False)  # Windows has no renameat2
    real_rename = pathlib.Path.rename

    def rename(source, target):
        if source.name == "2025-10":  # a document of the month is open in Word
            error = PermissionError(errno.EACCES, "The process cannot access the file", str(source))
            error.winerror = 32  # ERROR_SHARING_VIOLATION
            raise error
        return real_rename(source, target)

    monkeypatch.setattr(pathlib.Path, "rename", rename)
    result = report(outputs)
    assert result.exit_code == 6 and "Traceback" not in result.output
    assert f"{outputs / '2025-10'}：文件正被另一个程序使用（例如在 Word 中打开），请关闭它后重新运行" in result.stderr
    assert (outputs / "2025-10" / "manifest.json").read_bytes() == before
    assert entries(outputs) == ["2025-10"]


def test_a_corrupt_ledger_is_exit_7_with_what_to_do_and_nothing_sent(outputs):
    (outputs / "deliveries.sqlite").write_bytes(os.urandom(4096))
    result = send(outputs)
    assert result.exit_code == 7
    assert "deliveries.sqlite 已损坏" in result.stderr and "改名备份" in result.stderr
    assert "Traceback" not in result.output
    assert not list((outputs / "outbox" / "2025-10").glob("*.eml"))


def test_a_locked_ledger_is_exit_7_and_leaves_no_mail_at_sending(outputs, monkeypatch):
    assert send(outputs).exit_code == 0
    monkeypatch.setattr(ledger_module, "LOCK_WAIT_SECONDS", 0.1)
    holder = sqlite3.connect(outputs / "deliveries.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program in the middle of a write
    try:
        result = send(outputs, SAMPLE_INPUTS, "--resend")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 7
    assert "被另一个程序锁定" in result.stderr and "20 封未发送" in result.stderr
    assert {status for _, _, status in ledger_rows(outputs)} == {"sent"}


def unshare_works():
    if not shutil.which("unshare") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


real_filesystem = pytest.mark.skipif(not unshare_works(), reason="needs root and `unshare -m` to mount a small "
                                     "private tmpfs; the monkeypatched tests above still run")


def in_small_filesystem(tmp_path, size_kb, prepare, command, after):
    """Run `command` (salesreport's arguments) with outputs/ on a private tmpfs of `size_kb`,
    set up by the shell lines `prepare`; returns the run's stderr, exit code and the output of `after`."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    python = f"{sys.executable} -m pipeline"
    script = "\n".join([
        "set -e", f"mount -t tmpfs -o size={size_kb}k tmpfs {mount}", f"O={mount}", prepare, "set +e",
        f"{python} {command} --inputs {SAMPLE_INPUTS} --outputs {mount} >/dev/null 2>{tmp_path}/stderr",
        f"echo $? > {tmp_path}/rc", after])
    done = subprocess.run(["unshare", "-m", "bash", "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return (tmp_path / "stderr").read_text(), int((tmp_path / "rc").read_text()), done.stdout


LEDGER_STATES = (f"{sys.executable} -c \"import sqlite3,sys; db=sqlite3.connect(sys.argv[1]);"
                 " print(sorted(s for s, in db.execute('SELECT status FROM deliveries')))\" $O/deliveries.sqlite")


@real_filesystem
def test_report_into_a_read_only_file_system_is_exit_6(tmp_path, sample_report):
    stderr, code, listing = in_small_filesystem(
        tmp_path, 4096, f"cp -r {sample_report} $O/2025-10\nmount -o remount,ro $O", "report --month 2025-10",
        "find $O | sort")
    assert code == 6 and "文件系统是只读的" in stderr and "Traceback" not in stderr
    assert ".staging" not in listing and f"{tmp_path}/mnt/2025-10/manifest.json" in listing


@real_filesystem
@pytest.mark.parametrize("command", ["status", "approve"])
def test_status_and_approve_on_a_read_only_file_system_say_so(tmp_path, sample_report, command):
    stderr, code, _ = in_small_filesystem(
        tmp_path, 16384, f"cp -r {sample_report} $O/2025-10\n{sys.executable} -m pipeline distribute --month 2025-10 "
                        f"--inputs {SAMPLE_INPUTS} --outputs $O >/dev/null\nmount -o remount,ro $O",
        f"{command} --month 2025-10", "")
    assert code == 6 and "文件系统是只读的" in stderr and "没有写入权限" not in stderr and "Traceback" not in stderr


@real_filesystem
def test_a_full_disk_during_report_names_the_month_folder(tmp_path):
    stderr, code, _ = in_small_filesystem(tmp_path, 256, "", "report --month 2025-10 -q", "")
    assert code == 6 and "磁盘已满" in stderr and f"{tmp_path}/mnt/2025-10" in stderr


@real_filesystem
def test_a_disk_filling_up_during_distribute_stops_cleanly_and_the_rest_stays_pending(tmp_path, sample_report):
    size = sum(p.stat().st_size for p in sample_report.rglob("*")) // 1024
    stderr, code, after = in_small_filesystem(
        tmp_path, size + 400, f"cp -r {sample_report} $O/2025-10", "distribute --month 2025-10",
        f"ls -A $O/outbox/2025-10; {LEDGER_STATES}")
    assert code == 6 and "磁盘已满" in stderr and "Traceback" not in stderr
    *files, states = after.splitlines()
    assert 0 < len(files) < 20 and all(name.endswith("@example.com.eml") for name in files)  # no temporary file
    assert "'sending'" not in states
    unsent = 20 - states.count("'sent'")
    assert f"{unsent} 封未发送（含出错的这一封）" in stderr


# --- 10. a dead mail server is found out in seconds ------------------------------------------

def closed_port_env():
    return {"SALESREPORT_SMTP_HOST": "127.0.0.1", "SALESREPORT_SMTP_PORT": str(free_port()),
            "SALESREPORT_SMTP_SECURITY": "none"}


def test_a_dead_server_stops_distribute_after_three_failed_connections(smtp, outputs):
    waits = []
    result = run(outputs, closed_port_env(), sleep=waits.append)
    assert waits == [0.01, 0.02]  # the back-off of one mail, not of every mail
    assert result.count("sent") == result.count("failed") == 0 and result.count("pending") == 20
    assert {status for _, _, status in ledger_rows(outputs)} <= {"pending"}
    assert run(outputs, smtp.env).count("sent") == 20  # the next run, server up, sends them all


def test_a_dead_server_is_exit_5_and_says_the_mails_stay_pending(outputs, monkeypatch):
    waits = []
    monkeypatch.setattr(time, "sleep", waits.append)
    for key, value in closed_port_env().items():
        monkeypatch.setenv(key, value)
    result = send(outputs)
    assert result.exit_code == 5 and len(waits) == 2
    assert "邮件服务器连续 3 次无法连接" in result.stderr and "其余 20 封保持待发" in result.stderr
    assert "待发 20" in result.output


class StallingServer:
    """A loopback "SMTP server" that accepts every connection and sends its greeting one byte a
    second, forever: no per-read timeout ever fires. Stops (and closes every socket) on exit."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port, self.stop, self.connections = self.listener.getsockname()[1], threading.Event(), 0
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        clients = []
        while not self.stop.is_set():
            with contextlib.suppress(socket.timeout, OSError):
                client, _ = self.listener.accept()
                clients.append(client)
                self.connections += 1
            for client in clients:
                with contextlib.suppress(OSError):
                    client.send(b"2")  # "220 ..." never completes
            self.stop.wait(1)
        for client in clients:
            client.close()

    def env(self, deadline="1.5"):
        return {"SALESREPORT_SMTP_HOST": "127.0.0.1", "SALESREPORT_SMTP_PORT": str(self.port),
                "SALESREPORT_SMTP_SECURITY": "none", "SALESREPORT_SMTP_DEADLINE_SECONDS": deadline}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


def test_a_stalling_server_is_down_after_one_deadline_and_every_mail_stays_pending(outputs, monkeypatch):
    with StallingServer() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        started = time.monotonic()
        result = send(outputs)
        took = time.monotonic() - started
    assert result.exit_code == 5 and "Traceback" not in result.output
    assert "1.5 秒内没有完成会话" in result.stderr and "其余 20 封保持待发" in result.stderr
    assert 1.4 < took < 10 and server.connections == 1  # one stall is enough: no retries, no other mail tried
    assert {status for _, _, status in ledger_rows(outputs)} == {"pending"}


def test_an_alert_to_a_stalling_relay_is_said_within_its_deadline_and_the_exit_code_stands(monkeypatch):
    with StallingServer() as server:
        for key, value in server.env("1").items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("SALESREPORT_ALERT_TO", "ops@example.com, oncall@example.com")
        started = time.monotonic()
        result = invoke("validate", "--month", "2031-01", "--inputs", SAMPLE_INPUTS)
        took = time.monotonic() - started
    assert result.exit_code == 2 and "没有这个月份的目标数据" in result.stderr
    assert "告警邮件未能发送：ops@example.com：127.0.0.1" in result.stderr and "1 秒内没有完成会话" in result.stderr
    assert "其余 1 个地址未尝试" in result.stderr and took < 8


def test_the_smtp_deadline_setting_is_checked(outputs, monkeypatch):
    for key, value in closed_port_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SALESREPORT_SMTP_DEADLINE_SECONDS", "0")
    result = send(outputs)
    assert result.exit_code == 2 and "SALESREPORT_SMTP_DEADLINE_SECONDS：应为大于 0" in result.stderr


# --- 11. report and distribute of a month exclude each other ---------------------------------

def test_a_report_started_during_distribute_is_refused_and_the_distribute_completes(outputs):
    answers = []

    def start_a_report(outcome):
        if not answers:
            answers.append(report(outputs))

    result = distribute("2025-10", SAMPLE_INPUTS, outputs, {}, report=start_a_report)
    [refused] = answers
    assert refused.exit_code == 1 and "2025-10 正在被另一个 report 或 distribute 使用" in refused.stderr
    assert result.count("sent") == 20


def test_a_distribute_started_during_report_is_refused_before_sending(outputs):
    with staged_month(outputs, "2025-10"):
        result = send(outputs)
    assert result.exit_code == 1 and "2025-10 正在被另一个 report 或 distribute 使用" in result.stderr
    assert not (outputs / "outbox").exists()


# --- 12. invisible characters and plaintext passwords ----------------------------------------

def test_bidi_and_zero_width_characters_reach_no_file_name_or_header(tmp_path, inputs_copy):
    hidden = "\u202e\u200b\u2066\ufeff"
    for file in inputs_copy.glob("*.csv"):  # 张伟 RLO xcod.exe shows as 张伟exe.docx
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace("张伟", "张伟\u202excod.exe"), encoding="utf-8")
    recipients = (inputs_copy / "recipients.csv").read_text(encoding="utf-8")
    (inputs_copy / "recipients.csv").write_text(recipients.replace("林总", f"林{hidden}总"), encoding="utf-8")
    outputs = tmp_path / "outputs"
    assert report(outputs, inputs_copy).exit_code == 0
    assert send(outputs, inputs_copy).exit_code == 0
    names = [p.name for p in outputs.rglob("*")]
    assert "2025-10_张伟xcod.exe(S1001)_月度工作计划.docx" in names
    assert not [n for n in names if set(n) & set(hidden)]
    rep = parsed(outputs / "outbox" / "2025-10" / "zhang.wei@example.com.eml")
    assert rep["To"].addresses[0].display_name == "张伟xcod.exe" and "张伟xcod.exe" in rep["Subject"]
    assert sorted(part.get_filename() for part in rep.iter_attachments()) == [
        "2025-10_张伟xcod.exe(S1001)_月度工作总结.docx", "2025-10_张伟xcod.exe(S1001)_月度工作计划.docx"]
    assert parsed(outputs / "outbox" / "2025-10" / "ceo@example.com.eml")["To"] == "林总 <ceo@example.com>"


def test_next_line_separators_and_fillers_reach_no_file_name_or_header(tmp_path, inputs_copy):
    odd = "\u0085\u2028\u3164"
    for file in inputs_copy.glob("*.csv"):
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace("张伟", "张\u0085伟\u2028\u3164"), encoding="utf-8")
    outputs = tmp_path / "outputs"
    assert report(outputs, inputs_copy).exit_code == 0
    assert send(outputs, inputs_copy).exit_code == 0
    assert not [p.name for p in outputs.rglob("*") if set(p.name) & set(odd)]
    raw = (outputs / "outbox" / "2025-10" / "zhang.wei@example.com.eml").read_bytes()
    rep = parsed(outputs / "outbox" / "2025-10" / "zhang.wei@example.com.eml")
    for header in ("To", "Subject"):
        assert not set(str(rep[header])) & set(odd), header
    assert b"=C2=85" not in raw.split(b"\n\n", 1)[0] and len(rep["To"].addresses) == 1


def test_a_password_goes_over_an_unencrypted_connection_only_with_the_opt_in(outputs, monkeypatch):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    server = Server()
    controller = Controller(server, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        for key, value in {"SALESREPORT_SMTP_HOST": "127.0.0.1", "SALESREPORT_SMTP_PORT": str(controller.port),
                           "SALESREPORT_SMTP_SECURITY": "none", "SALESREPORT_SMTP_USER": "reports",
                           "SALESREPORT_SMTP_PASSWORD": "s3cret"}.items():
            monkeypatch.setenv(key, value)
        refused = send(outputs)
        assert refused.exit_code == 2 and logins == [] and server.messages == []
        assert "明文" in refused.stderr and "SALESREPORT_SMTP_ALLOW_PLAINTEXT=1" in refused.stderr
        assert "s3cret" not in refused.output
        monkeypatch.setenv("SALESREPORT_SMTP_ALLOW_PLAINTEXT", "1")
        assert send(outputs).exit_code == 0
    finally:
        controller.stop()
    assert len(server.messages) == 20 and set(logins) == {(b"reports", b"s3cret")}
