"""Entry points: CLI, HTTP API, batch."""
