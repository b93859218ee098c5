"""Vietnamese analysis, the Whoosh schema, index building and the query service."""
