"""Data quality: the rules beyond parsing (suites plus the severity table) and the flow that turns
findings into a decision: refuse the file, quarantine rows, or load."""
