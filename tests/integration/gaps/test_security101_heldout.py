"""A real library nobody here wrote: Security-101 with lessons held out ranks the held-out topics as gaps."""

from __future__ import annotations

import pytest

from workbench.gaps.evaluation import HeldOutSplit, ranking_metrics

pytestmark = pytest.mark.slow


def test_seed_one_beats_the_lexical_baseline(shared_dir, services_for, tmp_path):
    eval_dir = shared_dir / "eval" / "security101"
    if not eval_dir.is_dir():
        pytest.skip(f"{eval_dir} is absent")
    split = HeldOutSplit.make(eval_dir, 1, tmp_path / "seed1")
    _, services = services_for(split.library, split.root / "data")
    report = services.gaps.report(skills_file=split.skills_file)
    scores = {skill.skill_id: 1.0 - skill.coverage for skill in report.skills}
    metrics = ranking_metrics(scores, split.order, split.held_out)
    assert metrics["roc_auc"] > split.lexical_baseline["roc_auc"]
    assert metrics["roc_auc"] >= 0.92
    assert {skill.skill_id for skill in report.skills if skill.status == "gap"} == split.held_out
