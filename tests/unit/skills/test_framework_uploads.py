"""Uploaded frameworks: stored once per content under a name the gap service can read; bad uploads named."""

from __future__ import annotations

import pytest

from workbench.errors import SkillsFileInvalid
from workbench.skills.uploads import MAX_UPLOAD_BYTES, FrameworkUploads


def test_the_same_upload_is_stored_once_and_a_new_one_beside_it(tmp_path):
    uploads = FrameworkUploads(tmp_path / "uploads")
    first = uploads.store("skills.yaml", b"skills: []\n")
    again = uploads.store("renamed.YML", b"skills: []\n")
    other = uploads.store("esco export.csv", b"conceptUri,preferredLabel\n")
    assert first.read_bytes() == b"skills: []\n" and first.suffix == ".yaml"
    assert again.name == first.name.replace(".yaml", ".yml")
    assert other != first and other.suffix == ".csv" and other.parent == tmp_path / "uploads"
    assert not list((tmp_path / "uploads").glob("*.part"))


@pytest.mark.parametrize(("name", "suffix"), [("framework", ".csv"), ("../../etc/passwd", ".csv"), ("x.exe", ".csv")])
def test_odd_names_never_choose_where_the_file_goes(tmp_path, name, suffix):
    stored = FrameworkUploads(tmp_path / "uploads").store(name, b"id,name\na,A\n")
    assert stored.parent == tmp_path / "uploads" and stored.suffix == suffix


def test_empty_and_oversized_uploads_are_refused_by_name(tmp_path):
    uploads = FrameworkUploads(tmp_path / "uploads")
    with pytest.raises(SkillsFileInvalid, match="skills.csv: the uploaded file is empty"):
        uploads.store("skills.csv", b"")
    with pytest.raises(SkillsFileInvalid, match="the limit is"):
        uploads.store("big.csv", b"x" * (MAX_UPLOAD_BYTES + 1))
