"""DESIGN.md: the core never imports an integration. Billing's code (not its tests) names no
module of xero or messaging; they pick the work up through billing's hooks and extension points."""

import ast
from pathlib import Path

BILLING = Path(__file__).resolve().parent.parent
INTEGRATIONS = ("xero", "messaging")


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_billing_code_imports_no_integration():
    offenders = {}
    for path in BILLING.rglob("*.py"):
        if "tests" in path.relative_to(BILLING).parts:
            continue
        bad = sorted(m for m in _imported_modules(path) if m.split(".")[0] in INTEGRATIONS)
        if bad:
            offenders[str(path.relative_to(BILLING))] = bad
    assert offenders == {}
