"""Full-text search over a user's files: SQLite FTS5 on the embedded default, PostgreSQL full-text otherwise."""
