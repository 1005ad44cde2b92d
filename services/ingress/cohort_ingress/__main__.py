"""`python -m cohort_ingress`: run the HTTP ingress until SIGTERM."""

from .runtime import run


def main() -> None:
    run()


if __name__ == "__main__":
    main()
