"""Executors: the same results, in the same order, wherever the work runs."""

import pandas as pd
import pytest

from demandcast.errors import InputError
from demandcast.models.baselines import MeanOfLastYear
from demandcast.models.executor import Executor, ProcessExecutor, SerialExecutor
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
