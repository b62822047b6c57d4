"""The SQL warehouse: schema, migrations, versioned loads (SQLite and PostgreSQL)."""
