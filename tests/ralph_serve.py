"""Serve ralph's LRS app with its file-system backend; run with the Python of ralph's own venv.

Usage: python ralph_serve.py HOST PORT (configuration comes from RALPH_* environment variables).

ralph 5.1's file-system LRS backend writes every POST with the data backend's default operation,
"create", which refuses to write to an existing file: only the first POST to a fresh store
succeeds and every later one answers 500. Appending is what an LRS store needs, so the class
default is set to "append" before the app starts; nothing else of ralph is changed.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]), log_level="warning")
