"""The architecture's import rules, enforced (ARCHITECTURE.md, "Layers").

Given every module under src/amanat, when its imports are read from the syntax tree,
then each layer imports only what the table allows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "amanat"
CRYPTO_LIBRARIES = {"cryptography", "pyrage", "shamir_mnemonic", "nacl", "Crypto", "age"}


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _layer(path: Path) -> str:
    rel = path.relative_to(SRC).as_posix()
    return rel.split("/")[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module imported, line, at module level) for each import in ``path``."""
    tree = ast.parse(path.read_text("utf-8"))
    top = set(map(id, tree.body))
    for node in tree.body:  # a package's names for the type checker, imported on use
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            top |= set(map(id, node.body))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
            out += [(n, node.lineno, id(node) in top) for n in names]
    return out


def _project(name: str) -> str | None:
    """'amanat.vault.crypto.x' -> 'vault/crypto'; None for third-party or stdlib."""
    parts = name.split(".")
    if parts[0] != "amanat":
        return None
    candidate = SRC
    found = ""
    for part in parts[1:]:
        candidate = candidate / part
        if candidate.with_suffix(".py").exists():
            return (found + part) if not found else f"{found}/{part}"
        if candidate.is_dir():
            found = f"{found}/{part}" if found else part
        else:
            break
    return found or "amanat"


ALLOWED_PROJECT = {
    # layer: project layers it may import (a prefix match on 'vault/crypto' style names)
    "__init__": set(),
    "errors": set(),
    "settings": {"errors"},
    # the languages and their catalogues, for the staff app and the command line
    "i18n": {"errors"},
    "records": {"records", "names", "errors"},
    "names": {"names", "records", "errors"},
    "vault": {"vault", "errors"},
    "mirrors": {"vault", "mirrors", "errors"},
    "linkage": {"records", "names", "linkage", "errors"},
    "views": {"records", "names", "views", "errors"},
    "publish": {"views", "records", "names", "publish", "errors"},
    "stats": {"views", "records", "stats", "errors"},
    "bootstrap": {"settings", "vault", "mirrors", "views", "desk", "errors"},
    # desk services: the vault, the views and the domain composed for one desk
    "desk": {
        "desk",
        "vault",
        "mirrors",
        "views",
        "records",
        "names",
        "linkage",
        "errors",
        "settings",
        "ingest",
    },
    # the staff app: desk services and the read API, never the vault or crypto directly
    "web": {
        "web",
        "desk",
        "bootstrap",
        "views",
        "records",
        "errors",
        "settings",
        "i18n",
        "__init__",
    },
    # reading spreadsheets and downloaded videos into record changes (no vault, no SQL)
    "ingest": {"ingest", "records", "names", "errors"},
    "cli": {
        "cli",
        "desk",
        "ingest",
        "bootstrap",
        "settings",
        "errors",
        "i18n",
        "vault",
        "mirrors",
        "views",
        "publish",
        "records",
        "names",
        "linkage",
        "stats",
        "web",
        "__init__",
        "amanat",
    },
}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_layer_imports_only_what_it_may(path: Path) -> None:
    """Given a module, when it imports project code, then the layer table allows it."""
    layer = _layer(path)
    allowed = ALLOWED_PROJECT.get(layer)
    if allowed is None:
        pytest.fail(f"layer {layer} has no import rule; add it to ALLOWED_PROJECT")
    for name, line, _ in _imports(path):
        target = _project(name)
        if target is None or target == "amanat":
            continue
        assert target.split("/")[0] in allowed, f"{path.name}:{line} imports {name}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_only_the_crypto_door_imports_crypto_libraries(path: Path) -> None:
    """Given any module but vault/crypto.py, then it imports no cryptographic library."""
    is_door = path == SRC / "vault" / "crypto.py"
    for name, line, _ in _imports(path):
        root = name.split(".")[0]
        if root in CRYPTO_LIBRARIES:
            assert is_door, f"{path.name}:{line} imports {name}; only vault/crypto.py may"
        if is_door and root == "amanat":
            assert name.startswith("amanat.errors"), f"crypto.py:{line} imports {name}"


def test_nothing_outside_the_vault_imports_the_crypto_door() -> None:
    """Given the CLI and every layer but vault and mirrors (which the table lets use the
    door), then none reaches for vault/crypto.py directly."""
    for path in _modules():
        if _layer(path) in ("vault", "mirrors"):
            continue
        for name, line, _ in _imports(path):
            assert not name.startswith("amanat.vault.crypto"), f"{path}:{line} imports {name}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_imports_are_at_module_level(path: Path) -> None:
    """Given a module, then no import hides inside a function to dodge a cycle (a
    package's ``if TYPE_CHECKING:`` names, whose modules ``amanat.imported_on_use`` loads
    on first use, are declared at module level)."""
    for name, line, top in _imports(path):
        assert top, f"{path.name}:{line} imports {name} inside a function or block"


def test_the_library_never_imports_the_cli() -> None:
    """Given any module outside cli/, then it does not import amanat.cli."""
    for path in _modules():
        if _layer(path) == "cli":
            continue
        for name, line, _ in _imports(path):
            assert not name.startswith("amanat.cli"), f"{path}:{line} imports {name}"


def test_only_entry_points_read_the_environment() -> None:
    """Given the library, then only the command's two entry points read os.environ
    (settings are passed in): cli/main.py's ``main``, and cli/__init__.py's ``run``
    (the console script), which reads only the language of its line for a Ctrl-C while
    the commands load."""
    entry_points = {SRC / "cli" / "main.py", SRC / "cli" / "__init__.py"}
    for path in _modules():
        if path in entry_points:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
                raise AssertionError(f"{path}:{node.lineno} reads the environment")
        for name, line, _ in _imports(path):
            assert name not in ("os.environ", "os.getenv"), f"{path}:{line} imports {name}"
