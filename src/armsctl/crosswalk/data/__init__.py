"""Bundled crosswalk TOML files, read through ``importlib.resources`` by ``armsctl.crosswalk``."""
