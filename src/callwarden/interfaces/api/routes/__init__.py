"""callwarden.interfaces.api.routes."""
