"""The persistent provenance index (SQLite, WAL)."""
