"""Persistence: SQLAlchemy models (models/), repositories (repos/), the unit of work, the storage
layer's own errors and the Alembic migrations. The only package that imports SQLAlchemy."""
