"""Everything a reader sees: the report formats (one module each in reporters/), redaction, rule pages."""
