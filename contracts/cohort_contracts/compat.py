"""Are the committed schemas still honoured by the catalogue? Backward compatibility check.

The committed files in `contracts/schemas` are the contract as published; the catalogue in
code must still accept every event they accept. Incompatible (needs a new `.vN` instead):
a removed event type, a removed field, a newly required field, a changed type, a narrowed
enum or range, a changed pattern or subject. Compatible but still to regenerate: new
optional fields, new event types, changed descriptions.

    python -m cohort_contracts.compat [contracts/schemas]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .export import ASYNCAPI_FILE, SCHEMA_SUFFIX, generate

REGENERATE = "uv run cohort contracts export contracts/schemas"
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "schemas"

LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_MAX_DEPTH = 64


@dataclass(frozen=True)
class CompatReport:
    """What differs between the committed schemas and freshly generated ones.

    Attributes:
        incompatible: backward-incompatible changes, one sentence each.
        changed: files that differ at all (compatible or not), missing or extra.
    """

    incompatible: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.incompatible and not self.changed

    def message(self) -> str:
        if self.incompatible:
            lines = "\n".join(f"  - {problem}" for problem in self.incompatible)
            return (
                "Backward-incompatible change to the event contracts:\n"
                f"{lines}\n"
                "Published event types may only gain optional fields: publish the change as a "
                "new version (e.g. `.v2`, alongside `.v1`). If the break is really intended, "
                f"regenerate the committed schemas with: {REGENERATE}"
            )
        if self.changed:
            return (
                "The committed schemas in contracts/schemas are out of date (the changes are "
                f"backward compatible): {', '.join(self.changed)}. "
                f"Regenerate them with: {REGENERATE}"
            )
        return "The committed schemas match the catalogue."


def load(directory: Path) -> dict[str, str]:
    """The schema files (and the AsyncAPI document) committed in `directory`."""
    files = {p.name: p.read_text(encoding="utf-8") for p in directory.glob(f"*{SCHEMA_SUFFIX}")}
    asyncapi = directory / ASYNCAPI_FILE
    if asyncapi.exists():
        files[ASYNCAPI_FILE] = asyncapi.read_text(encoding="utf-8")
    return files


def check(directory: Path = DEFAULT_DIR, fresh: dict[str, str] | None = None) -> CompatReport:
    """Compare the committed schemas in `directory` with what the catalogue generates now."""
    return compare_files(load(directory), generate() if fresh is None else fresh)


def compare_files(committed: dict[str, str], fresh: dict[str, str]) -> CompatReport:
    incompatible: list[str] = []
    changed = sorted(
        name for name in committed.keys() | fresh.keys() if committed.get(name) != fresh.get(name)
    )
    for name in sorted(committed):
        if not name.endswith(SCHEMA_SUFFIX):
            continue
        event_type = name.removesuffix(SCHEMA_SUFFIX)
        if name not in fresh:
            incompatible.append(f"{event_type}: event type removed")
            continue
        incompatible.extend(
            f"{event_type}: {problem}"
            for problem in compare_schemas(json.loads(committed[name]), json.loads(fresh[name]))
        )
    return CompatReport(incompatible=incompatible, changed=changed)


def compare_schemas(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Ways in which `new` rejects events that `old` accepted (empty when compatible)."""
    problems: list[str] = []
    old_meta, new_meta = old.get("x-cohort", {}), new.get("x-cohort", {})
    for key in ("stream", "subject"):
        if old_meta.get(key) != new_meta.get(key):
            problems.append(f"{key} changed from {old_meta.get(key)} to {new_meta.get(key)}")
    problems.extend(_Comparison(old, new).compare(old, new, "", 0))
    return problems


class _Comparison:
    def __init__(self, old_root: dict[str, Any], new_root: dict[str, Any]) -> None:
        self.old_root = old_root
        self.new_root = new_root

    def compare(self, old: Any, new: Any, path: str, depth: int) -> list[str]:
        if depth > _MAX_DEPTH:
            return []
        old_alts = _alternatives(_resolve(old, self.old_root), self.old_root)
        new_alts = _alternatives(_resolve(new, self.new_root), self.new_root)
        problems: list[str] = []
        for old_alt in old_alts:
            best: list[str] | None = None
            for new_alt in new_alts:
                found = self._single(old_alt, new_alt, path, depth)
                if not found:
                    best = []
                    break
                if _types(old_alt) & _widened(_types(new_alt)) and (
                    best is None or len(found) < len(best)
                ):
                    best = found
            if best is None:
                problems.append(
                    f"{_where(path)}: type changed from {_show(_types(old_alt))} "
                    f"to {_show(set().union(*(_types(a) for a in new_alts)))}"
                )
            else:
                problems.extend(best)
        return list(dict.fromkeys(problems))

    def _single(self, old: dict[str, Any], new: dict[str, Any], path: str, depth: int) -> list[str]:
        problems: list[str] = []
        where = _where(path)
        old_types, new_types = _types(old), _types(new)
        if not old_types <= _widened(new_types):
            return [f"{where}: type changed from {_show(old_types)} to {_show(new_types)}"]
        old_values, new_values = _values(old), _values(new)
        if new_values is not None:
            if old_values is None:
                problems.append(f"{where}: now restricted to {sorted(new_values)}")
            elif lost := old_values - new_values:
                problems.append(f"{where}: enum narrowed, no longer accepts {sorted(lost)}")
        for key in LOWER_BOUNDS:
            if key in new and (key not in old or new[key] > old[key]):
                problems.append(f"{where}: {key} narrowed from {old.get(key)} to {new[key]}")
        for key in UPPER_BOUNDS:
            if key in new and (key not in old or new[key] < old[key]):
                problems.append(f"{where}: {key} narrowed from {old.get(key)} to {new[key]}")
        for key in ("pattern", "format"):
            if key in new and new[key] != old.get(key):
                problems.append(f"{where}: {key} changed from {old.get(key)} to {new[key]}")
        problems.extend(self._object(old, new, path, depth))
        for key in ("items", "propertyNames"):
            if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
                problems.extend(self.compare(old[key], new[key], f"{path}[{key}]", depth + 1))
        return problems

    def _object(self, old: dict[str, Any], new: dict[str, Any], path: str, depth: int) -> list[str]:
        problems: list[str] = []
        old_props: dict[str, Any] = old.get("properties", {})
        new_props: dict[str, Any] = new.get("properties", {})
        for name, old_schema in old_props.items():
            child = f"{path}.{name}" if path else name
            if name not in new_props:
                problems.append(f"{child}: field removed")
            else:
                problems.extend(self.compare(old_schema, new_props[name], child, depth + 1))
        for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
            child = f"{path}.{name}" if path else name
            problems.append(f"{child}: field is now required")
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if new_extra is False and old_extra is not False and ("properties" in old or old_extra):
            problems.append(f"{_where(path)}: no longer accepts additional properties")
        elif isinstance(old_extra, dict) and isinstance(new_extra, dict):
            problems.extend(self.compare(old_extra, new_extra, f"{path}[*]", depth + 1))
        return problems


def _resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {} if schema is True else {"not": {}}
    seen = 0
    while "$ref" in schema and str(schema["$ref"]).startswith("#/") and seen < _MAX_DEPTH:
        target: Any = root
        for part in schema["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _alternatives(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    for key in ("anyOf", "oneOf"):
        if key in schema:
            alts: list[dict[str, Any]] = []
            for alt in schema[key]:
                alts.extend(_alternatives(_resolve(alt, root), root))
            return alts
    return [schema]


def _types(schema: dict[str, Any]) -> set[str]:
    if "type" in schema:
        declared = schema["type"]
        return set(declared) if isinstance(declared, list) else {declared}
    values = _values(schema)
    if values is not None:
        return {_json_type(json.loads(v)) for v in values}
    if "properties" in schema:
        return {"object"}
    return {"any"}


def _widened(types: set[str]) -> set[str]:
    if "any" in types:
        return {"any", "object", "array", "string", "number", "integer", "boolean", "null"}
    return types | ({"integer"} if "number" in types else set())


def _values(schema: dict[str, Any]) -> set[str] | None:
    if "const" in schema:
        return {json.dumps(schema["const"], sort_keys=True)}
    if "enum" in schema:
        return {json.dumps(v, sort_keys=True) for v in schema["enum"]}
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _where(path: str) -> str:
    return path or "(event)"


def _show(types: set[str]) -> str:
    return "/".join(sorted(types))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    report = check(Path(args[0]) if args else DEFAULT_DIR)
    print(report.message(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
