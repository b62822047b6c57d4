"""Data quality: the rules beyond parsing (suites plus the severity table) and the flow that turns
findings into a decision: refuse the file, quarantine rows, or load.

- ``check.check_file(parsed, ctx)``: every data-quality finding of one parsed file.
- ``context_checks``: ``CheckContext`` and the rules that need the hierarchy, the register, other
  sheets or the county's history.
- ``gx_runner``: one Great Expectations context per process; failing rows -> Findings.
- ``gx_custom``: the custom expectations (code prefixes).
- ``suites`` (``python -m techaid.quality.suites --write``): expectations/*.json from
  ``include/config/quality.yaml``; ``rules_doc`` (``python -m techaid.documents.rules_doc``):
  docs/rules.md.
- ``flow.decide``: severities applied.

Nothing here imports Great Expectations at module level (it takes seconds).
"""
