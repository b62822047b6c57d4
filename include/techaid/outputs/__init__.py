"""What the pipeline hands to people: reports, feedback workbooks, Data Docs and emails."""
