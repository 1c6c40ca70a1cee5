"""Caches kept in the data folder: written whole, stamped with a version, ignored when unreadable."""
