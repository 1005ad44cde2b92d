"""compose.yaml, compose.cluster.yaml and the Dockerfiles, checked as far as a machine
without a Docker engine can: schema, healthchecks, start-up order, configuration names,
and each image's dependency set."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cohort_cli.services import PROCESSES, SERVICES, definition

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).with_name("compose-spec.json")

pytestmark = pytest.mark.unit


def compose(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    return data


def one_shots(doc: dict[str, Any]) -> set[str]:
    """Services others wait for with `service_completed_successfully`."""
    found = set()
    for spec in doc["services"].values():
        for dep, cond in (spec.get("depends_on") or {}).items():
            if isinstance(cond, dict) and cond.get("condition") == "service_completed_successfully":
                found.add(dep)
    return found


@pytest.mark.parametrize("name", ["compose.yaml", "compose.cluster.yaml"])
def test_compose_files_validate_against_the_compose_specification(name: str) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(compose(name), schema)


def test_the_schema_check_rejects_an_invalid_compose_file() -> None:
    schema = json.loads(SCHEMA.read_text())
    broken = compose("compose.yaml")
    broken["services"]["nats"]["healthcheck"]["interval"] = ["5s"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_every_long_running_service_has_a_healthcheck_and_one_shots_do_not_restart() -> None:
    doc = compose("compose.yaml")
    shots = one_shots(doc)
    assert shots == {"provision"}
    for name, spec in doc["services"].items():
        if name in shots:
            assert spec["restart"] == "no"
            continue
        check = spec.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), name


def test_services_start_after_nats_postgres_and_provisioning() -> None:
    doc = compose("compose.yaml")
    for service in SERVICES:
        deps = doc["services"][service]["depends_on"]
        assert deps["nats"]["condition"] == "service_healthy"
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["provision"]["condition"] == "service_completed_successfully"
    assert doc["services"]["notification"]["depends_on"]["mailpit"]["condition"] == (
        "service_healthy"
    )


def test_each_service_uses_its_own_image_database_role_and_nats_user() -> None:
    doc = compose("compose.yaml")
    for service in SERVICES:
        spec = doc["services"][service]
        assert spec["build"]["dockerfile"] == "services/Dockerfile"
        assert spec["build"]["args"] == {"SERVICE": service}
        env = spec["environment"]
        db = env["COHORT_DATABASE_URL"]
        assert db.startswith(f"postgresql://cohort_{service}:"), db
        assert db.endswith(f"/cohort_{service}"), db
        assert env["COHORT_NATS_URL"].startswith(f"nats://{service}:"), env["COHORT_NATS_URL"]
        assert env["COHORT_HTTP_PORT"] == "8080"
        assert "8080" in spec["healthcheck"]["test"][-1]


def test_every_cohort_variable_in_compose_is_a_setting_of_that_service() -> None:
    for name in ("compose.yaml", "compose.cluster.yaml"):
        doc = compose(name)
        for service in SERVICES:
            fields = set(definition(service).settings_cls.model_fields)
            env = doc["services"][service].get("environment", {})
            for key in env:
                if key.startswith("COHORT_"):
                    # COHORT_X_FILE gives setting x from a file (compose secrets)
                    field = key.removeprefix("COHORT_").removesuffix("_FILE").lower()
                    assert field in fields, (name, service, key)


def test_every_secret_comes_from_a_compose_secret_and_none_has_a_default() -> None:
    doc = compose("compose.yaml")
    wanted = {
        "enrolment": ["COHORT_LINK_SECRET"],
        "certification": ["COHORT_SECRET", "COHORT_SIGNING_KEYS"],
        "notification": ["COHORT_WEBHOOK_SECRET"],
    }
    for service, variables in wanted.items():
        spec = doc["services"][service]
        for variable in variables:
            assert variable not in spec["environment"], (service, variable)
            path = spec["environment"][f"{variable}_FILE"]
            secret = path.removeprefix("/run/secrets/")
            assert secret in spec["secrets"], (service, secret)
            assert doc["secrets"][secret]["file"].startswith("./deploy/secrets/")


def test_the_ingress_runs_on_its_own_nats_user_without_a_database() -> None:
    from cohort_ingress.settings import IngressSettings

    for name in ("compose.yaml", "compose.cluster.yaml"):
        spec = compose(name)["services"]["ingress"]
        env = spec["environment"]
        assert env["COHORT_NATS_URL"].startswith("nats://ingress:"), name
        assert "COHORT_DATABASE_URL" not in env
        for key in env:
            if key.startswith("COHORT_"):
                assert key.removeprefix("COHORT_").lower() in IngressSettings.model_fields, key
    base = compose("compose.yaml")["services"]["ingress"]
    assert base["build"] == {
        "context": ".",
        "dockerfile": "services/Dockerfile",
        "args": {"SERVICE": "ingress"},
    }
    assert "postgres" not in base["depends_on"]
    assert base["depends_on"]["provision"]["condition"] == "service_completed_successfully"
    assert base["healthcheck"]["test"] and base["environment"]["COHORT_HTTP_PORT"] == "8080"


def test_nats_keeps_every_write_on_disk_before_acknowledging() -> None:
    for conf in ("nats.conf", "cluster.conf"):
        text = (ROOT / "deploy" / "nats" / conf).read_text()
        assert re.search(r"^\s*sync_interval:\s*always\s*$", text, re.M), conf
        assert "include ./generated/accounts.conf" in text


def test_the_cluster_file_runs_three_nodes_and_three_replicas() -> None:
    base, cluster = compose("compose.yaml"), compose("compose.cluster.yaml")
    nodes = [n for n in cluster["services"] if n == "nats" or n.startswith("nats-")]
    assert sorted(nodes) == ["nats", "nats-2", "nats-3"]
    names = {cluster["services"][n]["environment"]["NATS_SERVER_NAME"] for n in nodes}
    assert names == {"nats-1", "nats-2", "nats-3"}
    routes = (ROOT / "deploy" / "nats" / "cluster.conf").read_text()
    for name in names:
        assert f"nats-route://{name}:6222" in routes
    command = cluster["services"]["provision"]["command"]
    assert command[command.index("--replicas") + 1] == "3"
    assert base["services"]["provision"]["command"][-1] == "1"
    for service in SERVICES:
        env = cluster["services"][service]["environment"]
        assert env["COHORT_STREAM_REPLICAS"] == "3"
        assert all(f"@{n}:4222" in env["COHORT_NATS_URL"] for n in names)


# --- Dockerfiles -------------------------------------------------------------------------


DOCKERFILE = ROOT / "services" / "Dockerfile"  # one for every image: --build-arg SERVICE
CLI_STAGES = ("cli-build", "cli")  # the `cohort` command's image: --target cli


def dockerfile(service: str) -> str:
    """The stages of the Dockerfile a service image is built from (not the `cli` target's),
    as built with `--build-arg SERVICE=<service>`."""
    stages = re.split(r"(?m)^(?=FROM )", DOCKERFILE.read_text())
    kept = "".join(s for s in stages if s.split("\n")[0].split(" AS ")[-1] not in CLI_STAGES)
    return kept.replace("${SERVICE}", service).replace("\\\n", " ")


def instructions(text: str, keyword: str) -> list[str]:
    return [
        line.strip()[len(keyword) :].strip()
        for line in text.splitlines()
        if line.strip().upper().startswith(keyword + " ")
    ]


def lock_closure(package: str) -> set[str]:
    """Every non-workspace package `package` needs, walked from uv.lock by hand."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    by_name = {p["name"]: p for p in lock["package"]}
    seen: set[str] = set()
    todo = [package]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        entry = by_name[name]
        for dep in entry.get("dependencies", []):
            todo.append(dep["name"])
            for extra in dep.get("extra", []):
                for extra_dep in entry_extras(by_name[dep["name"]], extra):
                    todo.append(extra_dep)
    return {n for n in seen if not n.startswith("cohort-")}


def entry_extras(entry: dict[str, Any], extra: str) -> list[str]:
    return [d["name"] for d in entry.get("optional-dependencies", {}).get(extra, [])]


def uv_binary() -> str:
    """uv as `make` found or installed it: `uv run` names itself in $UV; else the bootstrap."""
    if os.environ.get("UV"):
        return os.environ["UV"]
    found = subprocess.run(
        [str(ROOT / "scripts" / "bootstrap.sh")], capture_output=True, text=True, check=True
    )
    return found.stdout.strip()


def exported(args: list[str]) -> set[str]:
    out = subprocess.run(
        [uv_binary(), "export", *args, "--no-hashes", "--no-emit-workspace", "--no-header"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        line.split("==")[0].split(" @ ")[0].strip().lower()
        for line in out.splitlines()
        if line and not line.startswith((" ", "#", "-e", "."))
    }


def declared(service: str) -> set[str]:
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    names = {
        re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].lower()
        for d in project["project"]["dependencies"]
    }
    return {n.replace("_", "-") for n in names if not n.startswith("cohort-")}


@pytest.mark.parametrize("service", PROCESSES)
def test_each_image_is_multi_stage_non_root_and_checks_its_health(service: str) -> None:
    text = dockerfile(service)
    assert len(instructions(text, "FROM")) >= 2
    users = instructions(text, "USER")
    assert users and users[-1] not in ("root", "0")
    health = instructions(text, "HEALTHCHECK")
    assert len(health) == 1 and "/healthz" in health[0] and "COHORT_HTTP_PORT" in health[0]
    assert instructions(text, "CMD")[-1] == json.dumps(["cohort-service"])
    link = f"ln -s cohort-{service} /app/.venv/bin/cohort-service"
    assert link in instructions(text, "RUN")


def test_the_service_image_is_one_dockerfile_that_refuses_a_build_without_a_service() -> None:
    assert not list(ROOT.glob("services/*/Dockerfile"))
    text = DOCKERFILE.read_text()
    assert "SERVICE" in instructions(text, "ARG")
    assert any(r.startswith('test -n "${SERVICE}"') for r in instructions(text, "RUN"))
    assert "$SERVICE" not in text  # always ${SERVICE}, as `dockerfile()` substitutes it


def test_the_cli_image_is_a_target_of_the_same_dockerfile() -> None:
    assert not (ROOT / "cli" / "Dockerfile").exists()
    for name in ("provision", "privacy-worker"):
        build = compose("compose.yaml")["services"][name]["build"]
        assert build == {"context": ".", "dockerfile": "services/Dockerfile", "target": "cli"}
    assert [i.split(" AS ")[-1] for i in instructions(DOCKERFILE.read_text(), "FROM")][-1] == (
        "service"  # the default target: a service image
    )


@pytest.mark.parametrize("service", PROCESSES)
def test_each_image_copies_only_its_own_code(service: str) -> None:
    sources = set()
    for copy in instructions(dockerfile(service), "COPY"):
        if copy.startswith("--from"):
            continue
        for src in shlex.split(copy)[:-1]:
            if not src.endswith(("pyproject.toml", "uv.lock")):
                sources.add(src)
    assert sources == {"contracts/", "kit/", f"services/{service}/"}


@pytest.mark.parametrize("service", PROCESSES)
def test_each_image_installs_exactly_its_package_dependency_set(service: str) -> None:
    syncs = [i for i in instructions(dockerfile(service), "RUN") if i.startswith("uv sync")]
    assert syncs, "the image must install with uv sync"
    for sync in syncs:
        args = shlex.split(sync)[2:]
        assert args[args.index("--package") + 1] == f"cohort-{service}"
        assert {"--frozen", "--no-dev"} <= set(args)
        assert "--all-packages" not in args and "--group" not in args
    flags = [a for a in shlex.split(syncs[-1])[2:] if a not in ("--no-editable",)]
    installed = exported(flags)
    assert installed == lock_closure(f"cohort-{service}")
    assert declared(service) <= installed, declared(service) - installed
    assert not installed & {"pytest", "hypothesis", "ruff", "mypy", "testcontainers"}
    for other in PROCESSES:
        if other != service:
            foreign = declared(other) - lock_closure(f"cohort-{service}")
            assert not installed & foreign, (other, installed & foreign)
