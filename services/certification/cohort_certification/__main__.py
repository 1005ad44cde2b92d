"""`python -m cohort_certification`: run the certification service until SIGTERM."""

from cohort_kit import run

from .app import definition


def main() -> None:
    run(definition)


if __name__ == "__main__":
    main()
