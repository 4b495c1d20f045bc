"""The pure core: rules, jurisdictions, checks. No I/O, no clock, no globals."""
