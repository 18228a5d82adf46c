"""The one place that knows where templates/, migrations/ and config.py live."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = PACKAGE_DIR.parent


def _locate(name: str) -> Path:
    """Find a shipped folder or file: inside the installed wheel, else in the source checkout."""
    installed = PACKAGE_DIR / name
    if installed.exists():
        return installed
    return _SOURCE_ROOT / name


TEMPLATES_DIR = _locate("templates")
MIGRATIONS_DIR = _locate("migrations")
STATIC_DIR = PACKAGE_DIR / "static"
CONFIG_FILE = _locate("config.py")


def load_config_module() -> ModuleType:
    """Import config.py from wherever it was shipped, once."""
    name = "careerlink.config"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, CONFIG_FILE)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load configuration from {CONFIG_FILE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
