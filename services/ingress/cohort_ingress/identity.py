"""Who is calling: the one FastAPI dependency the intake routes take (`caller`).

Tokens are checked by the kit (`cohort_kit.auth`: bearer JWT against the issuer's JWKS, the
organisation from the registry). Publishing and reading rejections need an `intake` scope;
the agency is the one the registry grants (`intake:agency:<id>`), never one a request names.
"""

from __future__ import annotations

from dataclasses import dataclass

from cohort_kit.auth import Principal, forbidden, require
from fastapi import Depends

INTAKE = "intake:agency:"


@dataclass(frozen=True)
class Caller:
    agency: str
    org: str


async def _agency(principal: Principal = require("intake")) -> Caller:
    agencies = principal.values(INTAKE)
    if len(agencies) != 1:
        # An organisation publishing for several agencies would have to say for which one;
        # none does today, so such a grant is refused rather than guessed.
        raise forbidden("intake:agency:<one agency>")
    (agency,) = agencies
    return Caller(agency=agency, org=principal.org)


caller = Depends(_agency)
