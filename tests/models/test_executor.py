"""Executors: the same results, in the same order, wherever the work runs."""

import numpy as np
import pandas as pd
import pytest

from demandcast.errors import InputError
from demandcast.models.baselines import MeanOfLastYear
from demandcast.models.executor import Executor, ProcessExecutor, SerialExecutor, data_rows, largest_first
from demandcast.models.statistical import ETSForecaster
from demandcast.models.synthetic import synthetic_series


def square(x: int) -> int:
    return x * x


@pytest.mark.parametrize(
    "executor",
    [SerialExecutor(), pytest.param(ProcessExecutor(n_jobs=2), marks=pytest.mark.slow)],
    ids=["serial", "process"],
)
def test_map_returns_results_in_item_order(executor):
    assert isinstance(executor, Executor)
    assert executor.map(square, range(11)) == [x * x for x in range(11)]
    assert executor.map(square, []) == []


def test_serial_and_process_executors_give_identical_forecasts():
    y = synthetic_series(n_series=8, n_months=48, seed=9)

    serial = ETSForecaster(executor=SerialExecutor()).fit(y).predict(6)
    process = ETSForecaster(executor=ProcessExecutor(n_jobs=2)).fit(y).predict(6)

    pd.testing.assert_frame_equal(serial, process)


def test_a_model_with_an_executor_can_be_cloned_and_pickled():
    import pickle

    from sklearn.base import clone

    model = MeanOfLastYear(executor=ProcessExecutor(n_jobs=2))

    assert clone(model).get_params()["executor"] == ProcessExecutor(n_jobs=2)
    fitted = model.fit(synthetic_series(n_series=2, n_months=24))
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(fitted)).predict(2), fitted.predict(2))


def test_process_executor_rejects_no_workers():
    with pytest.raises(InputError, match="n_jobs and chunks_per_job must be >= 1"):
        ProcessExecutor(n_jobs=0).map(square, [1])


def frame_rows(job: tuple[str, pd.DataFrame]) -> tuple[str, int]:
    return job[0], len(job[1])


def level_jobs() -> list[tuple[str, pd.DataFrame]]:
    """Jobs shaped like training's (level, series frame), deliberately not in size order."""
    return [(f"level{n}", pd.DataFrame({"value": np.zeros(n)})) for n in (3, 40, 1, 40, 7)]


def test_items_carrying_the_most_rows_go_first_and_ties_keep_their_order():
    jobs = level_jobs()

    assert [data_rows(job) for job in jobs] == [3, 40, 1, 40, 7]
    assert largest_first(jobs) == [1, 3, 4, 0, 2]
    assert largest_first([np.zeros(2), "no data", np.zeros(5)]) == [2, 0, 1]


@pytest.mark.slow
def test_process_executor_returns_results_in_item_order_whatever_it_runs_first():
    jobs = level_jobs()

    assert ProcessExecutor(n_jobs=2).map(frame_rows, jobs) == [frame_rows(job) for job in jobs]
    assert ProcessExecutor(n_jobs=2, chunks_per_job=1).map(frame_rows, jobs) == [frame_rows(j) for j in jobs]
