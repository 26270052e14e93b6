"""The documentation is self-contained: every relative link in README.md and docs/ leads to a
file (and heading) of the repository, and no path points outside it."""
import re
from pathlib import Path

import pytest

from .conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "inputs" / "README.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")


def anchors(page: Path) -> set[str]:
    """The anchors of a page's headings, as GitHub makes them."""
    text = CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


def relative_links(page: Path) -> list[str]:
    text = CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    text = INLINE_CODE.sub("", text)
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def inside(path: Path) -> bool:
    return path.resolve().is_relative_to(ROOT.resolve())


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_inside_the_repository(page):
    for target in relative_links(page):
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        assert inside(destination), f"{target} leads outside the repository"
        assert destination.exists(), f"{target}: no such file"
        if anchor:
            assert anchor in anchors(destination), f"{target}: no such heading"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_page_links_to_a_web_address(page):
    text = INLINE_CODE.sub("", CODE_BLOCK.sub("", page.read_text(encoding="utf-8")))
    assert [target for target in LINK.findall(text) if re.match(r"[a-z]+:", target)] == []
    assert not re.findall(r"<https?://[^>]+>", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_path_written_in_a_page_points_outside_the_repository(page):
    text = page.read_text(encoding="utf-8")
    for code in INLINE_CODE.findall(text):
        if code.startswith("../"):
            assert inside(page.parent / code.split()[0]), code


def test_the_readme_links_every_page_of_docs():
    links = set(relative_links(ROOT / "README.md"))
    assert {f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md")} <= links


def test_the_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    [picture] = re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)", text)  # one picture of a page, described
    assert (ROOT / picture).read_bytes().startswith(b"\x89PNG") and (ROOT / picture).stat().st_size < 200_000


def test_every_command_the_readme_names_exists():
    from pipeline.cli import main

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"salesreport ([a-z][a-z-]+)", text))
    assert named <= set(main.commands), named - set(main.commands)
    assert set(main.commands) <= named  # and the commands in brief list every one


def test_the_manual_is_moved_not_repeated():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    crontabs = [page.name for page in (ROOT / "docs").glob("*.md") if "```cron" in page.read_text(encoding="utf-8")]
    assert crontabs == ["DISTRIBUTION.md"] and "```cron" not in readme  # one crontab
    for heading in ("## Speed", "## Layout", "## Choices made", "## When things go wrong"):
        assert heading not in readme


def test_every_input_file_and_column_is_documented_and_the_readme_lists_the_files():
    from pipeline.inputs import schema

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in (ROOT / "docs" / "INPUTS.md").read_text(encoding="utf-8")
            .splitlines() if line.startswith("| `")}
    for spec in schema.ALL:
        file = f"`{spec.label()}`"
        assert file in readme, file
        row = rows[file]
        for column in spec.columns:
            assert f"`{column.key}`·{'/'.join(column.aliases)}" in row, (file, column.key)
        if spec.name.startswith("opportunit"):  # the README names the export in brief
            continue
        [readme_row] = [line for line in readme.splitlines() if line.startswith(f"| {file}")]
        assert all(column.key in readme_row for column in spec.columns), readme_row


def test_the_design_page_names_every_module_of_the_package():
    text = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    layout = text[text.index("```\npipeline/"):text.index("```", text.index("```\npipeline/") + 3)]
    modules = {path.stem for path in (ROOT / "pipeline").rglob("*.py") if not path.stem.startswith("__")}
    assert {name for name in modules if not re.search(rf"\b{name}\b", layout)} == set()
