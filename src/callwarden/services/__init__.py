"""Use cases: compose core and storage, own transactions."""
