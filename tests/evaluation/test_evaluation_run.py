"""Evaluation runs on crafted data: metrics, strata, same subjects for model and crowd, failures recorded."""

from pathlib import Path

import pytest

from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.services import (
    MAX_ATTEMPTS,
    EvaluationError,
    evaluation_run_claim,
    evaluation_run_create,
    evaluation_run_execute,
)
from hunt.subjects.models import Subject
from tests.evaluation.builders import Crafted, crafted_survey

RA, DEC = 150.0, 2.0
CATALOGUE = [(1, RA, DEC, 0.2, "C1"), (2, RA + 1, DEC, 0.8, "C2"), (3, RA + 2, DEC, 0.3, "C1")]
SUBJECTS = [
    Crafted("c1", RA, DEC, answers=["cluster", "cluster", "point"], model=0.9),
    Crafted("c2", RA + 1, DEC, answers=["point", "point", "cluster"], model=0.6),
    Crafted("c3", RA + 2, DEC, answers=["cluster", "galaxy", "galaxy"], model=0.3),
    Crafted("p1", RA + 3, DEC, label="point", answers=["point", "point", "point"], model=0.2),
    Crafted("g1", RA + 4, DEC, label="galaxy", answers=["cluster", "cluster", "galaxy"], model=0.7),
    Crafted("o1", RA + 5, DEC, label="other", answers=["other", "other", "point"], model=0.1),
    Crafted("u1", RA + 6, DEC, answers=["cluster", "cluster", "cluster"], model=0.95),  # unknown
    Crafted("nv", RA + 7, DEC, label="point", model=0.4),  # no votes: left out of both
]


def _run(tmp_path: Path, **options: object) -> EvaluationRun:
    workflow, catalogue, version, _ = crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    run = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, model_version=version, split="all", queue=False,
        bootstrap_resamples=200, **options,  # type: ignore[arg-type]
    )  # fmt: skip
    done = evaluation_run_execute(run.pk)
    assert done is not None
    return done


@pytest.mark.django_db
def test_every_known_subject_is_scored_by_the_model_and_voted_ones_by_the_crowd(
    tmp_path: Path,
) -> None:
    run = _run(tmp_path)
    assert run.status == EvaluationRun.Status.SUCCEEDED, run.error
    # nv has no votes: the model still faces it, the crowd cannot.
    assert run.counts["evaluated"] == 7
    assert (run.counts["unknown"], run.counts["without_votes"]) == (1, 1)
    model, crowd = run.results["model"], run.results["crowd"]
    assert (model["n"], crowd["n"]) == (7, 6)
    assert (model["n_unknown"], crowd["n_unknown"]) == (1, 1)
    # Model at 0.5: clusters 0.9, 0.6 called (0.3 missed); g1 0.7 a false positive; nv 0.4 a true negative.
    assert model["confusion"] == {"tp": 2, "fp": 1, "tn": 3, "fn": 1}
    assert model["tpr"] == pytest.approx(2 / 3)
    assert model["fpr"] == pytest.approx(1 / 4)
    # Crowd fractions: c1 2/3, c2 1/3, c3 1/3; g1 2/3, p1 0, o1 0.
    assert crowd["confusion"] == {"tp": 1, "fp": 1, "tn": 2, "fn": 2}
    # Model AUC by hand: positives (0.9, 0.6, 0.3) vs negatives (0.7, 0.4, 0.2, 0.1): 4 + 3 + 2 of 12 pairs.
    assert model["auc"] == pytest.approx(9 / 12)
    # Each kind of non-cluster, with its false positives at the threshold.
    assert model["negatives_by_class"] == {
        "galaxy": {"n": 1, "false_positives": 1, "fpr": 1.0, "mean_score": pytest.approx(0.7)},
        "point": {"n": 2, "false_positives": 0, "fpr": 0.0, "mean_score": pytest.approx(0.3)},
        "other": {"n": 1, "false_positives": 0, "fpr": 0.0, "mean_score": pytest.approx(0.1)},
    }
    assert crowd["negatives_by_class"]["point"]["n"] == 1
    assert run.results["strata"]["class"]["C2"]["model"]["positives"] == 1
    assert run.results["strata"]["class"]["C2"]["model"]["negatives"] == 4
    assert run.results["strata"]["class"]["C2"]["crowd"]["negatives"] == 3
    assert set(run.results["strata"]["redshift"]) == {"low z (< 0.5)", "high z (>= 0.5)"}
    # Five classes: experts' labels for the negatives, the catalogue's redshift for the clusters
    # (c2, z = 0.8, is a high-z cluster the crowd called a point source).
    crowd5 = run.results["confusion5"]["crowd"]
    assert sum(map(sum, crowd5)) == 6
    assert crowd5[1] == [0, 0, 0, 1, 0]
    # Model against crowd on what both scored: the six voted known subjects.
    comparison = run.results["comparison"]
    assert (comparison["n"], comparison["positives"], comparison["negatives"]) == (6, 3, 3)
    assert comparison["model"]["auc"] == pytest.approx(7 / 9)
    assert comparison["verdict"] in {"model", "crowd", "tie"}
    # All three catalogue clusters lie in the footprint and have a candidate; the model calls two.
    completeness = run.results["completeness"]
    assert completeness["in_footprint"] == 3
    assert completeness["candidates"]["count"] == 3
    assert completeness["model"]["count"] == 2


@pytest.mark.django_db
def test_a_catalogue_cluster_without_a_candidate_counts_as_missed(tmp_path: Path) -> None:
    # A fourth C1 cluster 5' from c1, with no candidate within the 20" radius.
    rows = [*CATALOGUE, (4, RA + 5 / 60, DEC, 0.3, "C1")]
    workflow, catalogue, version, _ = crafted_survey(tmp_path, SUBJECTS, rows)
    run = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, model_version=version, split="all", queue=False,
        bootstrap_resamples=0,
    )  # fmt: skip
    done = evaluation_run_execute(run.pk)
    assert done is not None
    completeness = done.results["completeness"]
    assert completeness["in_footprint"] == 4
    assert completeness["missed_without_candidate"] == 1
    assert completeness["model"]["completeness"] == pytest.approx(2 / 4)
    # TPR over candidates does not see the missed cluster.
    assert done.results["model"]["tpr"] == pytest.approx(2 / 3)


@pytest.mark.django_db
def test_the_test_split_reads_the_stored_split_of_each_subject(tmp_path: Path) -> None:
    workflow, catalogue, version, subjects = crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    Subject.objects.filter(pk__in=[subjects["c1"].pk, subjects["p1"].pk]).update(split="test")
    run = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, model_version=version, queue=False,
        bootstrap_resamples=0,
    )  # fmt: skip
    assert run.split == EvaluationRun.Split.TEST
    done = evaluation_run_execute(run.pk)
    assert done is not None
    assert done.status == EvaluationRun.Status.SUCCEEDED, done.error
    assert done.counts["considered"] == 2
    ids = {row[0] for row in done.scores["rows"]}
    assert ids == {subjects["c1"].pk, subjects["p1"].pk}


@pytest.mark.django_db
def test_c1_only_drops_the_c2_cluster(tmp_path: Path) -> None:
    run = _run(tmp_path, class_filter=["C1"])
    assert run.class_filter == ["C1"]
    # c2 sits on the C2 entry: with only C1 accepted it has no match and no verdict, so it is unknown.
    assert run.counts["evaluated_positive"] == 2
    assert run.counts["unknown"] == 2


@pytest.mark.django_db
def test_nothing_to_evaluate_fails_the_run_with_a_reason(tmp_path: Path) -> None:
    workflow, catalogue, _, _ = crafted_survey(
        tmp_path, [Crafted("lonely", RA + 9, DEC)], CATALOGUE
    )
    run = evaluation_run_create(workflow=workflow, catalogue=catalogue, split="all", queue=False)
    done = evaluation_run_execute(run.pk)
    assert done is not None
    assert done.status == EvaluationRun.Status.FAILED
    assert "no subject can be evaluated" in done.error
    # A redelivered message for a finished run does nothing.
    assert evaluation_run_execute(run.pk) is None


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_taken_again_then_given_up(tmp_path: Path) -> None:
    workflow, catalogue, version, _ = crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    run = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, model_version=version, split="all", queue=False,
        bootstrap_resamples=50,
    )  # fmt: skip
    # The first delivery claims it and "dies" (the row stays running); the message comes back.
    first = evaluation_run_claim(run.pk)
    assert first is not None
    assert first.attempts == 1
    done = evaluation_run_execute(run.pk)
    assert done is not None
    assert done.status == EvaluationRun.Status.SUCCEEDED
    assert done.attempts == 2 == MAX_ATTEMPTS

    # A run that died on every attempt is failed instead of looping.
    again = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, split="all", queue=False, bootstrap_resamples=50
    )
    for _ in range(MAX_ATTEMPTS):
        assert evaluation_run_claim(again.pk) is not None
    assert evaluation_run_claim(again.pk) is None
    again.refresh_from_db()
    assert again.status == EvaluationRun.Status.FAILED
    assert f"gave up after {MAX_ATTEMPTS} attempts" in again.error


@pytest.mark.django_db
def test_bad_options_are_refused(tmp_path: Path) -> None:
    workflow, catalogue, _, _ = crafted_survey(tmp_path, SUBJECTS[:1], CATALOGUE)
    with pytest.raises(EvaluationError, match="threshold"):
        evaluation_run_create(workflow=workflow, catalogue=catalogue, threshold=1.5, queue=False)
    with pytest.raises(EvaluationError, match="no entries of class C3"):
        evaluation_run_create(
            workflow=workflow, catalogue=catalogue, class_filter=["C3"], queue=False
        )


@pytest.mark.django_db
def test_the_crowd_posterior_is_scored_beside_the_raw_vote_fraction(tmp_path: Path) -> None:
    from hunt.classify.aggregation import crowd_aggregate
    from hunt.classify.models import SubjectStatus
    from hunt.evaluation.summary import evaluation_summary

    workflow, catalogue, version, _ = crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    before = evaluation_run_execute(
        evaluation_run_create(
            workflow=workflow, catalogue=catalogue, model_version=version, split="all",
            queue=False, bootstrap_resamples=50,
        ).pk
    )  # fmt: skip
    assert before is not None
    assert "crowd_posterior" not in before.results  # no aggregation yet: nothing to score
    assert crowd_aggregate(workflow=workflow) is not None
    run = evaluation_run_execute(
        evaluation_run_create(
            workflow=workflow, catalogue=catalogue, model_version=version, split="all",
            queue=False, bootstrap_resamples=50,
        ).pk
    )  # fmt: skip
    assert run is not None
    assert run.status == EvaluationRun.Status.SUCCEEDED, run.error
    posterior, crowd = run.results["crowd_posterior"], run.results["crowd"]
    assert posterior["n"] == crowd["n"] == 6
    assert posterior["n_unknown"] == 1
    # The same code path as the vote fraction: the score is the stored posterior P(cluster).
    stored = dict(SubjectStatus.objects.values_list("subject__external_id", "posterior_cluster"))
    columns = run.scores["columns"]
    for row in run.scores["rows"]:
        record = dict(zip(columns, row, strict=True))
        if record["votes"]:
            assert record["crowd_posterior"] == pytest.approx(stored[record["external_id"]])
    assert sum(map(sum, run.results["confusion5"]["crowd_posterior"])) == 6
    assert evaluation_summary(run)["crowd_posterior"]["auc"] == posterior["auc"]
