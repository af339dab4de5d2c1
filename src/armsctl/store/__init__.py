"""Persistence on SQLAlchemy 2: SQLite by default, PostgreSQL with the same code.

ORM rows and SQL never leave this package; the pure core receives plain values.
"""
