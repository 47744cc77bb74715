"""CLI command modules: each has `register(app)` and imports heavy libraries only inside commands."""
