"""``make bench``: how long a province-sized month takes, measured against a floor.

    python -m techaid_dev.bench [--scale 1.0] [--only intake|quality|all] [--keep DIR]

Every measured part runs in its own process (:mod:`techaid_dev.bench.jobs`), as an Airflow task
would, so its peak memory (``ru_maxrss``) is its own and no warm cache leaks from one part into
the next. Each figure is set beside a floor measured in the same run on the same files: pyarrow
reading them and a bulk ``COPY`` of the same rows into the same PostgreSQL tables. The floor says
what the hardware allows, so a ratio stays meaningful on another machine where seconds do not.

Results are printed and written as sections of ``docs/benchmarks.md``. No test asserts a
timing: they depend on the machine (the smoke test only checks that the table is produced).
"""
