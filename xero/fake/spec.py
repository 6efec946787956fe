"""Request-body validation against Xero's own OpenAPI file, read at run time from
../shared/specs/xero/ (never copied into this repository). Without the file, bodies go unchecked."""

import functools
import os
import re
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_DIR = REPO_DIR.parent / "shared" / "specs" / "xero"


def spec_dir() -> Path:
    return Path(os.environ.get("XERO_SPEC_DIR", DEFAULT_SPEC_DIR))


@functools.cache
def _load_accounting_spec() -> dict | None:
    path = spec_dir() / "xero_accounting.yaml"
    if not path.exists():
        return None
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)


@functools.cache
def _operations() -> list[tuple[str, re.Pattern, dict]]:
    spec = _load_accounting_spec()
    if not spec:
        return []
    out = []
    for template, item in spec["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$", re.IGNORECASE)
        for method, op in item.items():
            if method in ("get", "put", "post", "delete"):
                out.append((method.upper(), pattern, op))
    # Literal paths before templated ones: /Contacts/{ContactID} must not swallow a literal.
    out.sort(key=lambda t: t[1].pattern.count("[^/]+"))
    return out


@functools.cache
def _validator_for(schema_ref: str):
    from jsonschema import Draft4Validator

    spec = _load_accounting_spec()
    return Draft4Validator({"$ref": schema_ref, "components": spec["components"]})


def available() -> bool:
    return _load_accounting_spec() is not None


def validate_body(method: str, path: str, body) -> list[str]:
    """Problems with `body` for the operation METHOD path (path relative to api.xro/2.0).
    Empty when valid, when the operation has no JSON body, or when the spec is absent."""
    for op_method, pattern, op in _operations():
        if op_method == method and pattern.match(path):
            content = (op.get("requestBody") or {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if not schema:
                return []
            if "$ref" not in schema:
                return []
            errors = sorted(_validator_for(schema["$ref"]).iter_errors(body), key=lambda e: e.path)
            return [f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"
                    for e in errors[:5]]
    return []


def load_accounting_spec() -> dict | None:
    """The parsed accounting spec (cached; copy it before changing it), or None when absent."""
    return _load_accounting_spec()
