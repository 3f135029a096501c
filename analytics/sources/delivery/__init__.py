"""Delivery exports → ``deployments``, ``changes`` and ``pipeline_runs``: GitHub deployments and
Actions runs, deployment and change CSVs."""
