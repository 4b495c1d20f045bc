"""callwarden's benchmarks: each figure measured beside a named peer in the same run.

Run ``python -m benchmarks [--scale S] [--only NAME ...] [--workdir DIR]`` (``make bench``).
Every benchmark module has a ``run(ctx)`` function that returns rows for the final table;
heavy measurements run in their own subprocess so that their peak memory can be read back.
See ``docs/benchmarks.md``.
"""
