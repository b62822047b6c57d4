"""techaid: the monitoring pipeline of Anhui's science-and-technology poverty-alleviation program.

Domain logic only: importable and testable without Airflow. The DAGs in ``dags/`` wire it.
"""
