"""Wheel build hook: compile each translation catalogue (.po) to the .mo the app reads."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):
    """Write careerlink/translations/<lang>/LC_MESSAGES/messages.mo beside each .po."""

    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        """Compile every catalogue and ship the compiled files in the wheel."""
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root)
        for po in sorted(root.glob("careerlink/translations/*/LC_MESSAGES/messages.po")):
            with po.open("rb") as source:
                catalog = read_po(source)
            mo = po.with_suffix(".mo")
            # Written beside it, then renamed over it: a process reading the catalogues while
            # a wheel is built (the test suites do) sees the old file or the new, never half.
            with tempfile.NamedTemporaryFile("wb", dir=mo.parent, delete=False) as target:
                try:
                    write_mo(target, catalog)
                except BaseException:
                    os.unlink(target.name)
                    raise
            os.chmod(target.name, 0o644)  # not the temporary file's 0600
            os.replace(target.name, mo)
            build_data["force_include"][str(mo)] = str(mo.relative_to(root))
