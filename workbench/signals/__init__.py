"""Signals: learners' results imported from files and learning record stores, kept pseudonymised."""
