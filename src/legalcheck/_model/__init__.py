"""The data read and written: the case model and its loaders (files, ledgers), and the report model."""
