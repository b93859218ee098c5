"""The store: Documents, the SQLite database, imports, near-duplicates, the data directory."""
