"""docs/operations.md lists every metric and every environment variable of every service."""

from __future__ import annotations

from pathlib import Path

import pytest
from cohort_cli.services import SERVICES, definition
from cohort_kit import ServiceSettings, metrics
from prometheus_client.metrics import MetricWrapperBase

DOC = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()

pytestmark = pytest.mark.unit


def test_every_metric_is_documented() -> None:
    names = [
        m._name + ("_total" if m._type == "counter" else "")
        for m in vars(metrics).values()
        if isinstance(m, MetricWrapperBase)
    ]
    assert len(names) >= 7
    missing = [n for n in names if f"`{n}`" not in DOC]
    assert not missing, f"add to docs/operations.md: {missing}"


@pytest.mark.parametrize("service", ["kit", *SERVICES, "ingress"])
def test_every_environment_variable_is_documented(service: str) -> None:
    from cohort_ingress.settings import IngressSettings

    cls: type[ServiceSettings] = ServiceSettings
    if service == "ingress":
        cls = IngressSettings
    elif service != "kit":
        cls = definition(service).settings_cls
    missing = [
        f"COHORT_{n.upper()}" for n in cls.model_fields if f"`COHORT_{n.upper()}`" not in DOC
    ]
    assert not missing, f"add to docs/operations.md: {missing}"
