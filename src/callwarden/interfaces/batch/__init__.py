"""Batch jobs over lead files: Arrow and Parquet in and out.

``pipeline`` runs the scrub locally, batch by batch (used by the CLI and the API);
``ray_runner`` runs the same per-batch function on Ray Data when the ``ray`` extra is installed.
"""
