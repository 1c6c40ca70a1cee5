"""Drafting of modules and assessments grounded in the library, with pre-review checks."""
