"""Publishing writes exactly the approved revision, with provenance, into a safe new file; lead only."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
import yaml

from sqlalchemy import update

from review.errors import InvalidInput, InvalidTransition, NotApproved, PermissionDenied, PublishError
from review.tables import drafts, revisions
from review.policy import DraftState
from tests.support.drafts import clean_draft, sample_content, with_section_text
from workbench.domain.drafts import PromptUse
from workbench.library.format import body_of, split_front_matter
from workbench.publishing.service import Publisher


def _front_matter(path):
    header, body = split_front_matter(path.read_text(encoding="utf-8"))
    assert split_front_matter(body)[0] is None, "a published file carries exactly one front-matter block"
    return yaml.safe_load(header)


def _publish(team, publisher, **kwargs):
    draft = team.approved(**kwargs)
    return draft, publisher.publish("lena", draft.id, draft.revision)


def test_publish_writes_front_matter_with_provenance_and_reindexes(team, publish_settings, index, library):
    publisher = Publisher(publish_settings, team.ledger, index)
    typed = clean_draft()
    typed.module.title, typed.module.audience = "Giving feedback", "managers"
    typed.provenance.model, typed.provenance.provider = "gemma-3-270m", "embedded"
    typed.provenance.retrieved_chunk_ids = ["c1", "c2"]
    typed.provenance.prompts = [PromptUse(name="draft_module", version=1, sha256="ab" * 32)]
    draft, result = _publish(team, publisher, content=typed.model_dump(mode="json"))
    path = library / result.path
    assert result.path == "published/giving-feedback.md" and result.content_hash == draft.content_hash
    meta = _front_matter(path)
    assert meta["id"] == result.module_id and meta["status"] == "published" and meta["level"] == "foundation"
    assert meta["title"] == "Giving feedback" and meta["audience"] == "managers" and meta["version"] == "1"
    provenance = meta["provenance"]
    assert provenance["content_hash"] == draft.content_hash and provenance["model"] == "gemma-3-270m"
    assert provenance["sources"] == ["c1", "c2"] and provenance["prompts"][0]["name"] == "draft_module"
    assert {r["dimension"]: r["user"] for r in provenance["reviewers"]} == {"accuracy": "sam", "cultural": "cara", "ethics": "eric"}
    assert all(r["signed_at"] for r in provenance["reviewers"])
    # The body is exactly what the reviewers read: the revision's markdown without its draft header.
    assert body_of(path.read_text(encoding="utf-8")).lstrip("\n") == body_of(draft.markdown).lstrip("\n")
    assert index.indexed[result.path] == hashlib.sha256(path.read_bytes()).hexdigest()
    view = team.queries.get_draft(draft.id)
    assert view.state == DraftState.PUBLISHED and view.published_path == result.path
    assert team.trail.rows(draft_id=draft.id, action="publish")[0]["content_hash"] == draft.content_hash


def test_only_a_lead_publishes(team, publish_settings, index):
    publisher = Publisher(publish_settings, team.ledger, index)
    draft = team.approved()
    with pytest.raises(PermissionDenied, match="lead"):
        publisher.publish("alice", draft.id, draft.revision)
    assert team.queries.get_draft(draft.id).state == DraftState.APPROVED


def test_edit_after_approval_blocks_publishing(team, publish_settings, index, library):
    publisher = Publisher(publish_settings, team.ledger, index)
    draft = team.approved()
    edited = team.lifecycle.revise("alice", draft.id, expected_revision=draft.revision, content=draft.content,
                                 markdown="# Changed after approval\n", findings=[])
    with pytest.raises(InvalidTransition):
        publisher.publish("lena", draft.id, edited.revision)
    assert not list((library / "published").glob("giving*"))


@pytest.mark.parametrize("tables", [(drafts,), (revisions,), (drafts, revisions)], ids=["draft row", "revision row", "both"])
def test_a_title_changed_in_the_database_after_approval_does_not_publish(team, database, publish_settings, index, library, tables):
    publisher = Publisher(publish_settings, team.ledger, index)
    draft = team.approved()
    with database.transaction() as connection:
        for table in tables:
            key = table.c.id if table is drafts else table.c.draft_id
            connection.execute(update(table).where(key == draft.id).values(title="Managers may share medical history"))
    with pytest.raises(NotApproved, match="no longer matches what was signed off"):
        publisher.publish("lena", draft.id, draft.revision)
    assert sorted(p.name for p in (library / "published").iterdir()) == ["intro.md"]
    assert team.queries.get_draft(draft.id).state == DraftState.APPROVED  # nothing was recorded as published


def test_republishing_a_new_revision_replaces_its_own_file(team, publish_settings, index, library):
    publisher = Publisher(publish_settings, team.ledger, index)
    draft, first = _publish(team, publisher)
    edited = team.lifecycle.revise("alice", draft.id, expected_revision=draft.revision,
                                   content=with_section_text(draft.content, "Revised."), markdown=draft.markdown + "\nRevised.\n",
                                   findings=[])
    team.lifecycle.submit("alice", draft.id, edited.revision)
    for user, dimension in (("sme2", "accuracy"), ("cult2", "cultural"), ("eth2", "ethics")):
        team.lifecycle.sign_off(user, draft.id, dimension, edited.revision)
    assert team.queries.get_draft(draft.id).published_path == first.path  # still live while re-reviewed
    second = publisher.publish("lena", draft.id, edited.revision)
    assert second.path == first.path and second.revision == 2
    assert "once a year. Revised." in (library / second.path).read_text(encoding="utf-8")
    assert _front_matter(library / second.path)["version"] == "2"
    assert len(list((library / "published").glob("*.md"))) == 2  # the hand-written intro.md and this one


def test_unpublish_archives_and_removes_file_and_index_entry(team, publish_settings, index, library):
    publisher = Publisher(publish_settings, team.ledger, index)
    draft, result = _publish(team, publisher)
    with pytest.raises(PermissionDenied):
        publisher.unpublish("alice", draft.id, "outdated")
    publisher.unpublish("lena", draft.id, "superseded by the 2027 policy")
    assert not (library / result.path).exists() and result.path not in index.indexed
    view = team.queries.get_draft(draft.id)
    assert view.state == DraftState.ARCHIVED and view.published_path is None
    assert team.trail.rows(draft_id=draft.id, action="unpublish")[0]["comment"] == "superseded by the 2027 policy"


def test_index_failure_keeps_the_publication_and_is_repaired_later(team, publish_settings, index, library):
    publisher = Publisher(publish_settings, team.ledger, index)
    index.fail = True
    draft, result = _publish(team, publisher)
    assert not result.indexed and "repair" in result.warning and (library / result.path).exists()
    index.fail = False
    report = publisher.recover()
    assert report.reindexed == [result.path] and result.path in index.indexed


HOSTILE_TITLES = [
    "../../x",
    "/etc/passwd",
    "..\\..\\windows\\system32",
    "CON",
    "nul.txt",
    "LPT1",
    "\u202eevil\u202c.md",
    "T" * 500,
    unicodedata.normalize("NFC", "Café"),
    unicodedata.normalize("NFD", "Café"),
    "Intro",
    "intro",
    ".hidden",
    "🙂🙃",
]


def test_hostile_titles_get_safe_distinct_files_and_overwrite_nothing(team, publish_settings, index, library):
    publisher = Publisher(publish_settings, team.ledger, index)
    before = {p: p.read_bytes() for p in library.rglob("*") if p.is_file()}
    paths = []
    for title in HOSTILE_TITLES:
        _, result = _publish(team, publisher, title=title)
        paths.append(result.path)
    assert len(set(paths)) == len(paths)
    assert len({p.casefold() for p in paths}) == len(paths)  # distinct even on case-insensitive file systems
    published = library / "published"
    for relative in paths:
        target = (library / relative).resolve()
        assert target.parent == published.resolve()
        name = target.name
        assert name.endswith(".md") and not name.startswith(".") and len(name.encode()) <= 130
        assert all(unicodedata.category(ch)[0] in "LN" or ch in "-." for ch in name)
        assert name.split(".")[0].split("-")[0] not in {"con", "nul", "lpt1"} or "-" in name
        assert unicodedata.is_normalized("NFC", name)
    for path, data in before.items():
        assert path.read_bytes() == data  # nothing overwritten
    assert "Written by hand" in (published / "intro.md").read_text(encoding="utf-8")
    assert not (library.parent / "x.md").exists() and not list(library.parent.glob("*.md"))


def test_title_with_a_nul_byte_is_refused_clearly(team):
    with pytest.raises(InvalidInput, match="U\\+0000"):
        team.draft(title="Intro\x00duction")


def test_rtl_and_emoji_round_trip_byte_for_byte(team, publish_settings, index, library):
    publisher = Publisher(publish_settings, team.ledger, index)
    title = "مقدمة في التغذية الراجعة 👋🏽 שלום"
    body = "שלום עולם 👩\u200d💻\n\nنص عربي مع رمز 🇰🇪 و\u200fعلامة.\n\n- emoji: 🧑🏿\u200d🦱"
    content = sample_content(title)
    content["module"]["summary"] = "ملخص 🙂"
    content["module"]["sections"][0]["body"] = body
    draft, result = _publish(team, publisher, title=title, content=content)
    stored = team.queries.get_draft(draft.id)
    assert stored.title == title and stored.content["module"]["sections"][0]["body"] == body
    text = (library / result.path).read_bytes().decode("utf-8")
    assert body in text and body in stored.markdown
    meta = _front_matter(library / result.path)
    assert meta["title"] == title and meta["summary"] == "ملخص 🙂"


def test_a_draft_that_is_not_a_module_and_assessment_is_not_published(team, publish_settings, index, library):
    publisher = Publisher(publish_settings, team.ledger, index)
    draft = team.approved(content={"module": {"title": "Only a title"}}, markdown="# Only a title\n")
    with pytest.raises(PublishError, match="does not hold a module and assessment draft"):
        publisher.publish("lena", draft.id, draft.revision)
    assert team.queries.get_draft(draft.id).state == DraftState.APPROVED
    assert not list((library / "published").glob("only*"))


def test_two_leads_publishing_same_titled_drafts_at_once_get_distinct_files(team, publish_settings, index, library):
    import threading

    team.accounts.set_roles("lena", "multi", ["lead"])
    drafts = [team.approved(title="Same title", content=with_section_text(sample_content("Same title"), f"Version {n}."))
              for n in range(2)]
    publishers = [Publisher(publish_settings, team.ledger, index) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(slot: int, lead: str) -> None:
        barrier.wait()
        results[slot] = publishers[slot].publish(lead, drafts[slot].id, drafts[slot].revision)

    threads = [threading.Thread(target=run, args=(0, "lena")), threading.Thread(target=run, args=(1, "multi"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    paths = sorted(r.path for r in results)
    assert paths == ["published/same-title-2.md", "published/same-title.md"]
    versions = {next(v for v in ("Version 0.", "Version 1.") if v in (library / p).read_text(encoding="utf-8")) for p in paths}
    assert versions == {"Version 0.", "Version 1."}
