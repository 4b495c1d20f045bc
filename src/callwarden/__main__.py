"""``python -m callwarden`` runs the CLI."""

from callwarden.interfaces.cli.main import main

main()
