"""The base every layer may use: errors as data, bundled-data paths, safe YAML, bilingual text, the vocabulary."""
