# The production image: Airflow 3.3.2 with the project's runtime lock and code (docker-compose.yaml
# builds it; compose also mounts the code folders over these copies, so edits show without a
# rebuild). Only requirements.txt is installed: tests, linters and benches (requirements-dev.txt)
# never ship. The code is baked in so a worker on another host needs nothing but the image.

# The Data Docs site's pinned browser assets (Bootstrap, jQuery, ...), so it works offline.
FROM node:20-bookworm-slim AS data-docs-assets
WORKDIR /assets
COPY include/data_docs_assets/package.json include/data_docs_assets/package-lock.json include/data_docs_assets/.npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM apache/airflow:3.3.2-python3.11
# A CJK font for the report charts' Chinese labels (without it matplotlib draws boxes).
USER root
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
USER airflow
COPY --chown=airflow:0 requirements.txt /opt/airflow/requirements.txt
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 include /opt/airflow/include
COPY --chown=airflow:0 sql /opt/airflow/sql
COPY --chown=airflow:0 expectations /opt/airflow/expectations
COPY --from=data-docs-assets --chown=airflow:0 /assets/node_modules /opt/airflow/include/data_docs_assets/node_modules
ENV PYTHONPATH=/opt/airflow/include:/opt/airflow/plugins:/opt/airflow
