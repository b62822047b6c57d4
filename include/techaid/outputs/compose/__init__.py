"""The monthly emails, composed from the warehouse and recorded in the outbox.

One module per kind or family, each building :class:`~techaid.outputs.mail.email.Email` values
from published tables only (``submission``, ``dq_issue``, ``repair_count``, ``indicator_value``,
``county_ranking``, the pairing suggestions), with recipients from ``recipients.yaml`` only:

- :mod:`.receipt`: a version accepted (rows loaded, repairs, warnings, on time or not);
- :mod:`.feedback`: a version refused or with rows quarantined, its feedback workbook attached;
- :mod:`.lagging_alert`: a city with lagging counties, its own counties' workbook attached
  (:mod:`.city_workbook`);
- :mod:`.provincial_report`: the provincial team's month, charts inline, the rollup attached;
- :mod:`.monthly`: what the monthly run composes and records, skipping keys already recorded.

Delivery is the outbox's (:mod:`techaid.outputs.mail.outbox`); see ``docs/emails.md``.
"""
