"""One module per report format; each defines REPORTER, found by _report/registry.py."""
