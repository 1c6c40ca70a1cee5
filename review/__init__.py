"""The human review queue: users and roles, states, sign-offs, comments, revisions, audit log, persistence.

This package never imports `workbench`; the workbench uses it.
"""
