# The production image: Airflow 3.3.2 with the project's runtime lock and code (docker-compose.yaml
# builds it; compose also mounts the code folders over these copies, so edits show without a
# rebuild). Only requirements.txt is installed: tests, linters and benches (requirements-dev.txt)
# never ship. The code is baked in so a worker on another host needs nothing but the image.
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:0 requirements.txt /opt/airflow/requirements.txt
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 include /opt/airflow/include
COPY --chown=airflow:0 sql /opt/airflow/sql
COPY --chown=airflow:0 expectations /opt/airflow/expectations
ENV PYTHONPATH=/opt/airflow/include:/opt/airflow/plugins:/opt/airflow
