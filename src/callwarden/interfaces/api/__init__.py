"""callwarden.interfaces.api."""
