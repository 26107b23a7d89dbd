"""Many inputs over worker processes, in input order, with the summary; the report file."""
