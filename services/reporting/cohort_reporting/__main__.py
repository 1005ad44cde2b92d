"""`python -m cohort_reporting`: run the reporting service until SIGTERM.

`python -m cohort_reporting rebuild` replays every stream into the projections of
`COHORT_DATABASE_URL` (emptied first) and exits.
"""

import asyncio
import sys

from cohort_kit import run
from cohort_kit.logs import configure_logging

from .app import definition
from .rebuild import rebuild
from .settings import ReportingSettings


def main() -> None:
    if sys.argv[1:2] == ["rebuild"]:
        settings = ReportingSettings()
        configure_logging("reporting", settings.log_format, settings.log_level)
        stats = asyncio.run(rebuild(settings.nats_url, settings.database_url))
        print(f"applied {stats.applied}, skipped {stats.skipped}")
        return
    run(definition)


if __name__ == "__main__":
    main()
