"""Where the templates and the sample inputs are: beside the working folder, in the installed
package (pipeline/bundled/, put there at build time by setup.py), or in the source tree.

The top-level docx_templates/ and inputs/ of the repository are their only copy; a wheel
carries them as package data, and an editable install or a checkout reads them in place.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

TEMPLATES = "docx_templates"
SAMPLE = "inputs"
_SOURCE_TREE = Path(__file__).resolve().parent.parent


def bundled(name: str) -> Path:
    """The packaged folder `name` (`docx_templates` or `inputs`), else the source tree's."""
    packaged = files("pipeline") / "bundled" / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return _SOURCE_TREE / name


def default_templates() -> Path:
    """`docx_templates/` of the working folder when it has one, else the packaged templates."""
    local = Path(TEMPLATES)
    return local if local.is_dir() else bundled(TEMPLATES)


def sample_inputs() -> Path:
    """The sample inputs (2 regions, 4 teams, 12 reps, 2025-09 to 2025-11) check-templates renders."""
    return bundled(SAMPLE)
