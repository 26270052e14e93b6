"""`salesreport init DIR` gives a working folder from which report runs with no other argument;
templates default to the working folder's docx_templates/, else the packaged ones."""
import hashlib
import json
import re
import tomllib

from docx import Document

from .conftest import SAMPLE_INPUTS, TEMPLATES, invoke

# The configuration file's keys, as the project's configuration rule lists them.
CONFIG_KEYS = ["smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_allow_plaintext",
               "smtp_deadline_seconds", "mail_from",
               "alert_to", "require_approval", "attach", "max_mail_mb", "archive_months"]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_init_writes_the_sample_templates_and_config_and_report_runs_from_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "demo")
    assert result.exit_code == 0, result.output
    demo = tmp_path / "demo"
    for source in [*SAMPLE_INPUTS.iterdir(), *TEMPLATES.iterdir()]:
        assert digest(demo / source.parent.name / source.name) == digest(source)
    readme = (demo / "inputs" / "README.md").read_text(encoding="utf-8")
    for name in ["org.csv", "targets.csv", "actuals.csv", "tasks.csv", "notes.csv", "recipients.csv"]:
        assert f"`{name}`" in readme

    monkeypatch.chdir(demo)
    result = invoke("report", "--month", "2025-10", "-q")
    assert result.exit_code == 0, result.output
    manifest = json.loads((demo / "outputs" / "2025-10" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["documents"]) == 38
    assert invoke("check-templates").exit_code == 0


def test_the_config_file_lists_every_key_commented_out_with_what_it_does(tmp_path):
    assert invoke("init", tmp_path).exit_code == 0
    text = (tmp_path / "salesreport.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text) == {}  # everything commented out: changes nothing until edited
    lines = text.splitlines()
    keyed = [(number, m[1]) for number, line in enumerate(lines) if (m := re.fullmatch(r"# (\w+) = .+", line))]
    assert [key for _, key in keyed] == CONFIG_KEYS
    for number, key in keyed:
        assert re.fullmatch(r"# \S.*[\u4e00-\u9fff].*", lines[number - 1]), key  # a line saying what it does
    enabled = tomllib.loads("\n".join(lines[number].removeprefix("# ") for number, _ in keyed))
    assert sorted(enabled) == sorted(CONFIG_KEYS)  # each example is valid TOML once uncommented


def test_init_never_overwrites_and_writes_nothing_when_a_file_is_there(tmp_path):
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "org.csv").write_text("rep_id,rep_name,team,region\nX1,我的,组,区\n", encoding="utf-8")
    result = invoke("init", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path / 'inputs' / 'org.csv'}" in result.stderr and "未写入任何文件" in result.stderr
    assert (tmp_path / "inputs" / "org.csv").read_text(encoding="utf-8").endswith("X1,我的,组,区\n")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["inputs", "inputs/org.csv"]


def test_templates_default_to_the_working_folders_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("init", ".").exit_code == 0
    plan = tmp_path / "docx_templates" / "plan.docx"
    document = Document(plan)
    document.add_paragraph("{{ no_such_variable }}")
    document.save(plan)
    result = invoke("check-templates")
    assert result.exit_code == 3 and "no_such_variable" in result.stderr
    assert invoke("report", "--month", "2025-10", "-q").exit_code == 3


def test_without_a_local_folder_the_packaged_templates_are_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("check-templates")
    assert result.exit_code == 0 and "模板检查通过" in result.output
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "-q")
    assert result.exit_code == 0 and (tmp_path / "outputs" / "2025-10" / "metrics.csv").is_file()


def test_init_where_a_file_stands_in_the_way_says_so(tmp_path):
    (tmp_path / "demo").write_text("not a folder", encoding="utf-8")
    result = invoke("init", tmp_path / "demo")
    assert result.exit_code == 6 and "路径中有一部分是文件而不是文件夹" in result.stderr
    assert (tmp_path / "demo").read_text(encoding="utf-8") == "not a folder"


def test_every_key_of_the_config_file_is_a_setting_that_is_accepted_as_written(tmp_path):
    assert invoke("init", tmp_path).exit_code == 0
    text = (tmp_path / "salesreport.toml").read_text(encoding="utf-8")
    enabled = tmp_path / "enabled.toml"
    enabled.write_text(re.sub(r"^# (\w+ = )", r"\1", text, flags=re.MULTILINE), encoding="utf-8")
    assert sorted(tomllib.loads(enabled.read_text(encoding="utf-8"))) == sorted(CONFIG_KEYS)
    result = invoke("validate", "--month", "2025-10", "--inputs", tmp_path / "inputs", "--config", enabled)
    assert result.exit_code == 0, result.output
    enabled.write_text("smtp_hots = \"smtp.example.com\"\n", encoding="utf-8")
    result = invoke("validate", "--month", "2025-10", "--inputs", tmp_path / "inputs", "--config", enabled)
    assert result.exit_code == 2 and "第1行" in result.stderr and "smtp_hots" in result.stderr
