"""cohort_kit: what every Cohort service shares."""

from . import ownership
from .errors import Invalid, NotYetApplicable
from .service import Runtime, ServiceDefinition, run, serve
from .settings import ServiceSettings, SettingsError, load_settings
from .units import Router, Unit

__all__ = [
    "Invalid",
    "NotYetApplicable",
    "Router",
    "Runtime",
    "ServiceDefinition",
    "ServiceSettings",
    "SettingsError",
    "Unit",
    "load_settings",
    "ownership",
    "run",
    "serve",
]
