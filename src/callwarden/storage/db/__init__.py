"""callwarden.storage.db."""
