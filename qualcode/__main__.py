"""`python -m qualcode` runs the CLI."""

from qualcode.cli.app import main

main()
