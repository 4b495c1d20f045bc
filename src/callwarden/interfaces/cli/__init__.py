"""callwarden.interfaces.cli."""
