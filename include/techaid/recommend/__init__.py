"""Recommendations: the yearly shortlist with its public notice, and pairing suggestions.

The rules' evaluation (评估考核) and recommendation (组织申报) steps end in a ranked list of experts
and organizations the province publishes for at least 7 days (公示) before recommending them;
every lagging county needs helpers someone must pick. Modules: ``rules`` (the configuration),
``candidates`` (facts from the warehouse), ``eligibility`` and ``score`` (the judgement),
``shortlist`` (the published rows), ``notice`` (the workbook and the notice page), ``pairing``
(monthly suggestions) and ``annual`` (what the yearly DAG's tasks call). The ``shortlist``
email is an output: :mod:`techaid.outputs.shortlist_mail`. Importable without Airflow.
"""
