"""One build step on top of pyproject.toml: the top-level docx_templates/ and inputs/ (their only
copy in the repository) go into the built package as pipeline/bundled/, so that an installed
salesreport carries its templates and its sample (read through pipeline.resources)."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("docx_templates", "inputs")


class BuildPyWithBundled(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the source tree itself
            return
        for folder in BUNDLED:
            target = Path(self.build_lib, "pipeline", "bundled", folder)
            shutil.rmtree(target, ignore_errors=True)  # a file removed from the source goes from the build too
            shutil.copytree(folder, target, ignore=shutil.ignore_patterns(".*", "~$*"))


setup(cmdclass={"build_py": BuildPyWithBundled})
