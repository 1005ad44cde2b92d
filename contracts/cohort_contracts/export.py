"""Generate the committed JSON Schemas and the AsyncAPI document from the catalogue.

    uv run cohort contracts export contracts/schemas
    python -m cohort_contracts.export contracts/schemas

One `<type>.schema.json` per event type: the whole CloudEvents envelope, `type` fixed to a
constant and `data` replaced by the payload's schema, so an event validates as a whole.
Plus `asyncapi.json` (AsyncAPI 3.0.0): one channel per subject, one message per type, a
`send` operation per type and a `receive` operation per reaction: the services' reaction
table (`reactions.json`, generated from their routers by `cohort contracts export`; the
committed one when only the contracts are at hand), and the dead-letter channels with their
own record schema (dead-letters are not CloudEvents).
Output is deterministic (sorted keys, fixed indentation).
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import deadletters
from .catalogue import REGISTRY
from .envelope import CloudEvent
from .registry import EventSpec, Registry
from .reports import REPORT_KINDS, SCOPE_KINDS, TOKEN_PATTERN, TOKEN_RULE
from .streams import CONSUMERS, DEADLETTER

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_FILE = "asyncapi.json"
REACTIONS_FILE = "reactions.json"
COMMITTED = Path(__file__).resolve().parents[1] / "schemas"
SCHEMA_SUFFIX = ".schema.json"
REF_TEMPLATE = "#/$defs/{model}"
EVENT_CONTENT_TYPE = "application/cloudevents+json"  # structured mode: the whole envelope
# The service that publishes on a stream is named after it, but for these.
PRODUCERS = {"REPORTS": "reporting"}


def schema_file(event_type: str) -> str:
    return f"{event_type}{SCHEMA_SUFFIX}"


def event_schema(spec: EventSpec) -> dict[str, Any]:
    """The JSON Schema of a whole event of this type (envelope with typed `data`)."""
    envelope = copy.deepcopy(CloudEvent.model_json_schema(ref_template=REF_TEMPLATE))
    payload = spec.model.model_json_schema(ref_template=REF_TEMPLATE)
    defs: dict[str, Any] = dict(envelope.pop("$defs", {}))
    defs.update(payload.pop("$defs", {}))
    model_name = spec.model.__name__
    defs[model_name] = payload
    props = envelope["properties"]
    props["type"] = {
        "const": spec.type,
        "description": "The event type.",
        "type": "string",
    }
    props["data"] = {"$ref": f"#/$defs/{model_name}", "description": "The payload."}
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:cohort:schema:{spec.type}",
        "title": spec.type,
        "description": spec.description or f"A {spec.type} event.",
        "x-cohort": {
            "stream": spec.stream,
            "subject": spec.subject or f"intake.<agency>.{spec.name}",
            **_scoped_subject(spec),
        },
        **{k: v for k, v in envelope.items() if k not in ("title", "description")},
        "$defs": defs,
    }


def _scoped_subject(spec: EventSpec) -> dict[str, Any]:
    """For reports: how the subject is built from the payload (an outsider's subscription)."""
    if not (spec.subject or "").endswith(".>"):
        return {}
    return {
        "subject_template": f"{spec.subject[:-2]}.<scope>.<token>.<kind>",  # type: ignore[index]
        "scopes": list(SCOPE_KINDS),
        "kinds": list(REPORT_KINDS),
        "token_rule": TOKEN_RULE,
        "token_pattern": TOKEN_PATTERN,
    }


def _channel_id(address: str) -> str:
    return address.replace(".{", ".").replace("}", "").replace(".", "-").replace(">", "all")


def _address(spec: EventSpec) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any]
    if spec.subject is None:
        params = {"agency": {"description": "The publishing agency, equal to `agency`."}}
        return f"intake.{{agency}}.{spec.name}", params
    if spec.subject.endswith(".>"):
        params = {
            "scope": {"enum": list(SCOPE_KINDS), "description": "Scope kind."},
            "value": {"description": f"ISO3 country, donor or programme. {TOKEN_RULE}"},
            "kind": {
                "enum": [k for k in REPORT_KINDS if k != "on_demand"],
                "description": "Report kind (on-demand reports are not published).",
            },
        }
        return f"{spec.subject[:-2]}.{{scope}}.{{value}}.{{kind}}", params
    return spec.subject, {}


def asyncapi(
    registry: Registry = REGISTRY, reactions: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document: channels per subject, messages per type."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec in sorted(registry, key=lambda s: s.type):
        address, params = _address(spec)
        channel_id = _channel_id(address)
        message_id = spec.type
        messages[message_id] = {
            "name": spec.type,
            "title": spec.type,
            "summary": spec.description,
            "contentType": EVENT_CONTENT_TYPE,
            "payload": {"$ref": f"./{schema_file(spec.type)}"},
        }
        channel = channels.setdefault(
            channel_id,
            {
                "address": address,
                "messages": {},
                "description": f"Stream {spec.stream}.",
            },
        )
        if params:
            channel["parameters"] = params
        channel["messages"][message_id] = {"$ref": f"#/components/messages/{message_id}"}
        operations[f"publish-{spec.type}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{message_id}"}],
            "summary": (
                f"An agency system publishes {spec.type}."
                if spec.is_intake
                else f"The {PRODUCERS.get(spec.stream, spec.stream.lower())} service "
                f"publishes {spec.type}."
            ),
        }
    _declare_deadletters(channels, operations, messages)
    operations.update(_receives(registry, reactions or []))
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Cohort event network",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 (structured JSON) on NATS JetStream; "
            "see ARCHITECTURE.md. Every message's payload is the whole envelope.",
        },
        "defaultContentType": EVENT_CONTENT_TYPE,
        "servers": {
            "nats": {"host": "localhost:4222", "protocol": "nats", "description": "JetStream."}
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": {DEADLETTER_MESSAGE: deadletter_schema()}},
    }


DEADLETTER_MESSAGE = "DeadLetter"
DEADLETTER_CHANNEL = "deadletter-service"


def deadletter_schema() -> dict[str, Any]:
    """The JSON Schema of a dead-letter record."""
    return deadletters.DeadLetter.model_json_schema(ref_template=REF_TEMPLATE)


def _declare_deadletters(
    channels: dict[str, Any], operations: dict[str, Any], messages: dict[str, Any]
) -> None:
    """A record per message a service can never apply, on `deadletter.{service}`, or on
    `deadletter.{service}.{agency}` when it was that agency's intake (its own consumer
    filters `deadletter.*.<agency>`)."""
    service = {"enum": sorted({s.service for s in CONSUMERS}), "description": "The parker."}
    agency = {"description": "The `<agency>` token of the original intake subject."}
    messages[DEADLETTER_MESSAGE] = {
        "name": DEADLETTER_MESSAGE,
        "title": "Dead-letter record",
        "summary": "A message that can never be applied, with its reason and original bytes. "
        "Not a CloudEvent.",
        "contentType": deadletters.CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {
                "Cohort-Reason": {"type": "string", "description": "The record's `reason`."},
                "Nats-Msg-Id": {"type": "string", "description": "One per stream position."},
            },
        },
        "payload": {"$ref": f"#/components/schemas/{DEADLETTER_MESSAGE}"},
    }
    ref = {DEADLETTER_MESSAGE: {"$ref": f"#/components/messages/{DEADLETTER_MESSAGE}"}}
    for channel_id, address, params, whose in (
        (DEADLETTER_CHANNEL, "deadletter.{service}", {"service": service}, "any other message"),
        (
            f"{DEADLETTER_CHANNEL}-agency",
            "deadletter.{service}.{agency}",
            {"service": service, "agency": agency},
            "an agency's intake",
        ),
    ):
        channels[channel_id] = {
            "address": address,
            "description": f"Stream {DEADLETTER.name}: dead-letters of {whose}. "
            f"{DEADLETTER.description}",
            "messages": dict(ref),
            "parameters": params,
        }
        operations[f"park-{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{DEADLETTER_MESSAGE}"}],
            "summary": f"A service parks {whose} it can never apply (before acknowledging it).",
        }


def _receives(registry: Registry, reactions: list[dict[str, Any]]) -> dict[str, Any]:
    """One `receive` operation per (consumer, type) of the reaction table."""
    operations = {}
    for r in reactions:
        channel_id = _channel_id(_address(registry.spec(r["type"]))[0])
        emits = ", ".join(r["emits"]) if r["emits"] else "nothing"
        operations[f"receive-{r['consumer']}-{r['type']}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{r['type']}"}],
            "summary": f"The {r['service']} service ({r['consumer']}) handles {r['type']}.",
            "description": f"May emit: {emits}." if r["emits"] is not None else "",
        }
    return operations


def committed_reactions(directory: Path = COMMITTED) -> list[dict[str, Any]]:
    path = directory / REACTIONS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate(
    registry: Registry = REGISTRY, reactions: list[dict[str, Any]] | None = None
) -> dict[str, str]:
    """File name -> content of every file `export` writes."""
    if reactions is None:
        reactions = committed_reactions()
    files = {schema_file(spec.type): dumps(event_schema(spec)) for spec in registry}
    files[ASYNCAPI_FILE] = dumps(asyncapi(registry, reactions))
    return dict(sorted(files.items()))


def export(
    directory: Path,
    registry: Registry = REGISTRY,
    reactions: list[dict[str, Any]] | None = None,
) -> list[Path]:
    """Write every schema into `directory`; remove schema files of types no longer listed."""
    directory.mkdir(parents=True, exist_ok=True)
    files = generate(registry, reactions)
    if reactions is not None:  # the services' table (the CLI reads it from their routers)
        files[REACTIONS_FILE] = json.dumps(reactions, indent=2, sort_keys=True) + "\n"
    for stale in directory.glob(f"*{SCHEMA_SUFFIX}"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m cohort_contracts.export DIR", file=sys.stderr)
        return 2
    written = export(Path(args[0]))
    print(f"wrote {len(written)} files to {args[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
