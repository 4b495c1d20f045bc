"""callwarden.core.rules."""
