"""A per-agency limit on events per minute (per replica; a fixed one-minute window)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._windows: dict[str, tuple[int, int]] = {}  # agency -> (minute, events counted)

    def admit(self, agency: str, events: int) -> int | None:
        """None when admitted (and counted); else the seconds until the next window."""
        if not self._per_minute:
            return None
        now = self._clock()
        minute = int(now // 60)
        start, used = self._windows.get(agency, (minute, 0))
        if start != minute:
            used = 0
        if used + events > self._per_minute:
            return max(1, math.ceil((minute + 1) * 60 - now))
        self._windows[agency] = (minute, used + events)
        return None
