"""The declared layers (README "Layers", pyproject.toml [tool.importlinter]) hold: `make test`
fails on an upward import, lazy imports inside functions included, as CI's lint-imports does."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_every_lectern_package_is_in_a_layer():
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests"}
    assert set(CONFIG["root_packages"]) == packages
    (contract,) = CONFIG["contracts"]
    layered = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    assert layered == packages
    assert "ignore_imports" not in contract


def test_no_layer_imports_a_layer_above_it():
    # What `.venv/bin/lint-imports` runs, with this interpreter.
    command = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    result = subprocess.run([sys.executable, "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout
