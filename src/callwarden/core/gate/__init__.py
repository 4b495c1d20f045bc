"""The pre-contact gate: one check per module, composed by gate.py."""
