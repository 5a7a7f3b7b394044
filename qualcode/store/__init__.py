"""The store: SQLAlchemy Core tables, one engine module, versioned migrations."""
