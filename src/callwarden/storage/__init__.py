"""Adapters implementing the core ports: database, DNC store, rule files."""
