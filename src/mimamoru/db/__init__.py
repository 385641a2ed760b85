"""Metadata database: tables, engine, migrations and the queries the app runs."""
