"""Storage: SQLAlchemy ORM, Alembic migrations and the database handle."""
