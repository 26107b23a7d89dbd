"""The package version, declared here once (pyproject.toml reads it).

A literal, not ``importlib.metadata.version``: importing the metadata machinery costs more than
the rest of ``legalcheck --version``.
"""

__version__ = "0.1.0"
