"""A whole-library sync killed after writing its chunks, before recording them: what a crash mid-sync leaves."""

from __future__ import annotations

from pathlib import Path

import pytest

# The edit the dead sync wrote into the index; the file is back without it afterwards.
DEAD_SYNC_TEXT = "forward them to your manager"


def sync_killed_before_recording(index, phishing: Path) -> None:
    """Edit the phishing module, let `index.build()` write it and die before recording, then restore the file."""
    original = phishing.read_text(encoding="utf-8")
    phishing.write_text(original.replace("never forward them", DEAD_SYNC_TEXT), encoding="utf-8")

    def die_before_recording(*args, **kwargs):
        raise KeyboardInterrupt("killed after writing, before recording")

    index.store.record_build = die_before_recording  # every chunk written and deleted: the count is as recorded
    with pytest.raises(KeyboardInterrupt):
        index.build()
    phishing.write_text(original, encoding="utf-8")  # the library is back at the revision the index last recorded
