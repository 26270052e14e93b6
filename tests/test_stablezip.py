"""The zip writer lays out pre-compressed members exactly as zipfile would write them."""
import io
import os
import zipfile

from pipeline.documents.stablezip import FIXED_ZIP_TIME, deflated, stable_zip, stored, write_zip

from .conftest import TEMPLATES


def zipfile_archive(entries: list[tuple[str, bytes]], stored_names=()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            entry = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_STORED if name in stored_names else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            archive.writestr(entry, content)
    return out.getvalue()


def test_write_zip_gives_zipfiles_bytes_for_the_same_entries():
    entries = [("[Content_Types].xml", b"<Types/>" * 50), ("word/图表.xml", os.urandom(2000)), ("empty", b"")]
    written = write_zip(deflated(name, content) for name, content in entries)
    assert written == zipfile_archive(entries)
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        assert archive.testzip() is None
        assert [(n, archive.read(n)) for n in archive.namelist()] == entries


def test_a_stored_member_is_laid_out_as_zipfile_stores_it():
    entries = [("word/document.xml", b"<w:document/>" * 40), ("word/embeddings/book.xlsx", os.urandom(3000)),
               ("word/charts/chart1.xml", b"<c:chartSpace/>" * 10)]
    written = write_zip(stored(name, content) if name.endswith(".xlsx") else deflated(name, content)
                        for name, content in entries)
    assert written == zipfile_archive(entries, stored_names={"word/embeddings/book.xlsx"})
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        assert archive.testzip() is None
        assert archive.getinfo("word/embeddings/book.xlsx").compress_type == zipfile.ZIP_STORED
        assert [(n, archive.read(n)) for n in archive.namelist()] == entries


def test_stable_zip_copies_unchanged_members_and_rewrites_the_asked_one():
    original = zipfile_archive([("a.xml", b"<a>2024-05-06T07:08:09Z</a>"), ("b.xml", b"<b/>" * 100)])
    fixed = stable_zip(original, lambda name, content: content.replace(b"2024", b"2025") if name == "a.xml" else content)
    assert fixed == zipfile_archive([("a.xml", b"<a>2025-05-06T07:08:09Z</a>"), ("b.xml", b"<b/>" * 100)])
    template = (TEMPLATES / "plan.docx").read_bytes()
    assert stable_zip(template) == template
