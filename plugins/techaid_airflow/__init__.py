"""Airflow-facing glue of the techaid pipeline: default args, hooks, notifiers."""
