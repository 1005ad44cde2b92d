"""`python -m cohort_reporting`: run the reporting service until SIGTERM."""

from cohort_kit import run

from .app import definition


def main() -> None:
    run(definition)


if __name__ == "__main__":
    main()
