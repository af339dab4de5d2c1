"""Bundled treaty files (TOML, public-record CSVs), read by ``armsctl.treaty.loader``."""
