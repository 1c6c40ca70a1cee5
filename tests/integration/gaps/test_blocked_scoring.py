"""The scorer computes skills x chunks a block of whole modules at a time: the report must not depend on the block size.

One block holding the whole library is the computation on whole matrices; small blocks (a module
or two each, and nothing kept between the two passes) must give exactly the same report, number
for number, on the sample library and on a random library with long, multi-chunk sections,
declared skills and headings that name skills.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from tests.integration.gaps.conftest import SAMPLE_TODAY
from tests.support.large_library import HashingEmbedder
from workbench.bootstrap import bootstrap
from workbench.gaps.service import GapService
from workbench.settings import Settings

WHOLE = dict(block_values=1 << 40, kept_values=1 << 40)  # one block: the whole matrices at once


def everything(report) -> dict:
    """All a reader sees of a report: per-skill results, library findings, warnings and counts."""
    return {"skills": report.to_json(), "library": report.library_json(), "warnings": report.warnings,
            "counts": (report.module_count, report.chunk_count), "csv": report.to_csv()}


def blocks_used(service: GapService, framework_file) -> tuple[object, int]:
    """The report and the number of scoring steps it took (two per block)."""
    steps = []
    report = service.report(framework_file, progress=lambda stage, done, total: steps.append(total) if stage == "scoring" else None)
    return report, max(steps)


def test_the_sample_library_report_is_the_same_in_small_blocks(indexed_sample):
    settings, services = indexed_sample
    whole, whole_steps = blocks_used(GapService(settings, services.index, today=SAMPLE_TODAY, **WHOLE), None)
    n_skills = len(whole.skills)
    small = GapService(settings, services.index, today=SAMPLE_TODAY, block_values=3 * n_skills, kept_values=0)
    blocked, blocked_steps = blocks_used(small, None)
    assert whole_steps == 2 and blocked_steps > 2 * 20  # one block against dozens
    assert everything(blocked) == everything(whole)
    assert any(skill.taught_by for skill in whole.skills) and any(skill.status == "gap" for skill in whole.skills)


def random_library(root, rng: random.Random, skills: int = 24, modules: int = 70):
    """Modules mostly about one skill, with passages about others, long sections, declared skills and named headings."""
    vocabulary = [f"word{i}" for i in range(400)]
    keys = {s: rng.sample(vocabulary, 6) for s in range(skills)}
    library = root / "library"
    library.mkdir(parents=True)
    for m in range(modules):
        main = rng.randrange(int(skills * 0.7))
        front = f"---\nid: mod-{m}\nskills: [skill-{main}]\n---\n" if rng.random() < 0.2 else ""
        lines = [f"# Module {m} {' '.join(keys[main][:2])}", ""]
        for s in range(rng.randint(1, 6)):
            topic = main if rng.random() < 0.7 else rng.randrange(skills)
            heading = " ".join(keys[topic][:2]) if rng.random() < 0.4 else f"part {s}"
            words = rng.randint(15, 600)  # beyond 1,500 characters a section is cut into several chunks
            body = " ".join(rng.choice(keys[topic]) if rng.random() < 0.3 else rng.choice(vocabulary) for _ in range(words))
            lines += [f"## {heading}", "", body, ""]
        (library / f"module-{m}.md").write_text(front + "\n".join(lines), encoding="utf-8")
    rows = ["id,name,description"] + [f"skill-{s},{' '.join(keys[s][:2])},{' '.join(keys[s])}" for s in range(skills)]
    framework = root / "skills.csv"
    framework.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return library, framework


@pytest.mark.parametrize("seed", [1, 2])
def test_a_random_library_report_is_the_same_in_small_blocks(tmp_path, seed):
    library, framework = random_library(tmp_path, random.Random(seed))
    settings = Settings(library_dir=library, data_dir=tmp_path / "data", llm_provider="fake")
    index = bootstrap(settings, embedder=HashingEmbedder(dimension=64)).index
    today = date(2026, 1, 1)
    whole, _ = blocks_used(GapService(settings, index, today=today, **WHOLE), framework)
    assert whole.chunk_count > 2 * whole.module_count  # long sections are cut into several chunks
    for block_values, kept_values in ((24, 0), (24 * 7, 0), (24 * 7, 24 * 40)):
        blocked, steps = blocks_used(GapService(settings, index, today=today, block_values=block_values,
                                                kept_values=kept_values), framework)
        assert steps > 20
        assert everything(blocked) == everything(whole), (block_values, kept_values)
