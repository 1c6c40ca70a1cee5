"""A publishing process to be killed: publishes one draft into a git library and stops dead at one step.

Run as `python -m tests.support.publish_child DATABASE_URL LIBRARY_DIR REMOTE DRAFT_ID REVISION READY_FILE STEP`.
At STEP (a publisher step such as "pushed", or "before_push": just before the first `git push`) it writes
READY_FILE and sleeps until the test kills it with SIGKILL: no clean-up of any kind runs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Publish as the lead, halting for good at the named step."""
    database_url, library, remote, draft_id, revision, ready, step = argv
    from review.db import Database
    from tests.integration.publishing.conftest import RecordingIndex
    from tests.support.review_db import ReviewStack
    from workbench.library.git_repository import GitRepository
    from workbench.publishing.git_publishing import GitPublishing, identities
    from workbench.publishing.service import Publisher
    from workbench.settings import Settings

    def halt(current: object) -> None:
        if current == step or (step == "before_push" and current == 0):
            Path(ready).write_text(str(os.getpid()), encoding="utf-8")
            while True:
                time.sleep(60)

    review = ReviewStack.on(Database(database_url))
    settings = Settings(library_dir=Path(library), data_dir=Path(library).parent / "child-data", llm_provider="fake",
                        library_git_remote=remote)
    repository = GitRepository(Path(library), remote, "main", before_push=halt)
    publishing = GitPublishing(repository, identities({"lena": "Lena Lead"}.get, "example.test"))
    publisher = Publisher(settings, review.ledger, RecordingIndex(Path(library)), git=publishing, fault_hook=halt)
    publisher.publish("lena", int(draft_id), int(revision))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
