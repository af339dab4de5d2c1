"""The bundled ``estimates.toml``, read through ``importlib.resources`` by the workbench."""
