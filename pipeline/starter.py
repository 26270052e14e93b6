"""`salesreport init DIR`: a ready-to-edit working folder — the sample inputs with their README,
the templates and a commented salesreport.toml — written without overwriting anything."""
from __future__ import annotations

from pathlib import Path

from pipeline.errors import SalesReportError
from pipeline.resources import SAMPLE, TEMPLATES, bundled

CONFIG_FILE = "salesreport.toml"
SHOWN = 3  # existing files named in the refusal

# Every key of salesreport.toml (each an environment variable without SALESREPORT_), with an
# example value and what it does; the file lists them all, commented out.
CONFIG_KEYS = [
    ("smtp_host", '"smtp.example.com"', "发信服务器（SMTP）地址；不设时邮件写成 .eml 文件放在 outputs/outbox/月份/（发件箱）"),
    ("smtp_port", "587", "发信服务器端口；默认按 smtp_security 取 25、587 或 465"),
    ("smtp_security", '"starttls"', "加密方式：none、starttls（默认）或 ssl"),
    ("smtp_user", '"reports"', "登录用户名；密码只能用环境变量 SALESREPORT_SMTP_PASSWORD 提供，不能写在本文件中"),
    ("smtp_allow_plaintext", "true",
     "smtp_security 为 none 时仍允许登录（用户名和密码以明文传输），只用于本机或可信内网的中继"),
    ("smtp_deadline_seconds", "60",
     "与发信服务器的每一次会话（连接、登录、发送）最多用这么多秒；超时即视为服务器不可用，未发送的邮件留待下次；默认 60"),
    ("mail_from", '"reports@example.com"', "发件人地址；默认 salesreport@localhost"),
    ("alert_to", '"ops@example.com"', "report、validate 或 distribute 失败时接收告警邮件的地址，多个用逗号分隔"),
    ("require_approval", "true", "为 true 时，文档须先经 salesreport approve 批准，distribute 才会发送"),
    ("attach", '"docx,pdf"', "邮件附件格式，逗号分隔：docx（默认）、pdf、xlsx"),
    ("max_mail_mb", "20", "单封邮件的大小上限（MB，1 MB = 1,000,000 字节），超出时分成几封发送；默认 20"),
    ("archive_months", "24", "每个已发送的附件都先复制到 outputs/archive/月份/；早于当前月这么多个月的归档在 distribute 结束时删除；默认 24"),
]


class StarterExists(SalesReportError):
    """`init` would overwrite files that are already there."""

    exit_code = 2


def config_text() -> str:
    """salesreport.toml with every key commented out, each under a line saying what it does."""
    lines = ["# salesreport 的配置文件：放在运行 salesreport 的文件夹中（或用 --config 指定）。",
             "# 每一项对应一个环境变量（SALESREPORT_ 加大写的键名），两者都设置时以环境变量为准。",
             "# 去掉行首的 \"# \" 即可启用一项。", ""]
    for key, example, meaning in CONFIG_KEYS:
        lines += [f"# {meaning}", f"# {key} = {example}", ""]
    return "\n".join(lines)


def _planned(folder: Path) -> dict[Path, bytes]:
    """Every file `init` writes, with its content."""
    files = {}
    for name in (SAMPLE, TEMPLATES):
        source = bundled(name)
        for path in sorted(source.iterdir()):
            if path.is_file():
                files[folder / name / path.name] = path.read_bytes()
    files[folder / CONFIG_FILE] = config_text().encode("utf-8")
    return files


def write_starter(folder: Path) -> list[Path]:
    """Writes the starter into `folder` and returns the files written; StarterExists naming the
    files already there (and writing nothing) rather than overwriting a user's data."""
    files = _planned(folder)
    existing = [path for path in files if path.exists() or path.is_symlink()]
    if existing:
        shown = "、".join(str(path) for path in existing[:SHOWN])
        more = f" 等 {len(existing)} 个文件" if len(existing) > SHOWN else ""
        raise StarterExists(f"{shown}{more} 已存在，未写入任何文件。请换一个文件夹，或先移走这些文件")
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as handle:  # never replaces a file created meanwhile
            handle.write(content)
    return list(files)
