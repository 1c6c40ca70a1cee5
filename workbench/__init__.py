"""Generative-AI content authoring workbench with human review for corporate L&D."""

__version__ = "0.1.0"
