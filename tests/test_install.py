"""Installed from a wheel (not editable) into a fresh environment, salesreport works in any folder:
init, then report and check-templates, with the templates and sample it carries.

Offline and fast: the wheel is built from a copy of the source with the test environment's
setuptools, and the fresh environment reaches the already installed dependencies (pandas …)
through a .pth line naming the test environment's site-packages. That line only adds the folder
to the path: the editable install recorded there (a .pth of its own) is not processed, so
`pipeline` can come only from the wheel — which the test checks.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv

from .conftest import ROOT

SOURCE_ONLY = shutil.ignore_patterns(".git", ".venv", "outputs", "build", "*.egg-info", "__pycache__",
                                     ".pytest_cache", ".hypothesis")


def run(command, cwd, env):
    completed = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True)
    assert completed.returncode == 0, f"{command}\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def fresh_environment(folder):
    """A new virtual environment with the salesreport wheel installed, and its scripts folder."""
    venv.create(folder, with_pip=False)
    scripts = folder / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    site_packages = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                   capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(site_packages, "test-dependencies.pth"), "w", encoding="utf-8") as handle:
        handle.write(sysconfig.get_path("purelib") + "\n")
    return scripts, python


def test_an_installed_wheel_runs_init_report_and_check_templates_in_an_empty_folder(tmp_path):
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=SOURCE_ONLY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SALESREPORT_", "VIRTUAL_ENV"))}
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", tmp_path / "wheel", clone],
        tmp_path, env)
    [wheel] = (tmp_path / "wheel").glob("salesreport-*.whl")
    scripts, python = fresh_environment(tmp_path / "venv")
    run([*pip, "--python", python, "install", "--no-deps", "--no-index", "-q", wheel], tmp_path, env)
    shutil.rmtree(clone)  # nothing may come from the source any more

    empty = tmp_path / "empty"
    empty.mkdir()
    location = run([python, "-c", "import pipeline; print(pipeline.__file__)"], empty, env)
    assert location.startswith(str(tmp_path / "venv")), location
    salesreport = scripts / "salesreport"
    run([salesreport, "init", "demo"], empty, env)
    demo = empty / "demo"
    printed = run([salesreport, "report", "--month", "2025-10"], demo, env)
    assert "已生成 38 份文档" in printed
    manifest = json.loads((demo / "outputs" / "2025-10" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["documents"]) == 38 and all((demo / "outputs" / "2025-10" / d["path"]).is_file()
                                                    for d in manifest["documents"])
    assert "模板检查通过：docx_templates" in run([salesreport, "check-templates"], demo, env)
    packaged = run([salesreport, "check-templates"], empty, env)  # no local templates: the packaged ones
    assert "模板检查通过" in packaged and str(tmp_path / "venv") in packaged
