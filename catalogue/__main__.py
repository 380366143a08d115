"""`python -m catalogue` runs the CLI."""

from catalogue.cli import main

main()
