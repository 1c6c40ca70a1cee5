"""Plain-Python domain of the workbench: no frameworks are imported here (see the import-linter contract)."""
