"""The scenarios shipped with armsctl (TOML files, read with ``load_scenario``)."""
