"""Protected characteristics stay out of the model; the proxy audit measures what leaks in anyway.

The model's ward-level inputs (population by age group, deprivation decile, historical demand)
may still predict a ward's minority-ethnic share or deprivation. The audit reports how well
(cross-validated R^2 of a linear model and a small random forest) and names the strongest proxies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from demandcast.columns import (
    AREA,
    CLIENT_GROUP,
    IMD_RANK,
    IMD_SCORE,
    MEASURE,
    MINORITY_SHARE,
    MONTH,
    VALUE,
    WARD_CODE,
)
from demandcast.errors import InputError

# Equality Act 2010 characteristics, as words that may appear in a column name. Age is also
# protected, but population by age band is a driver of need and defines the client groups.
PROTECTED_TERMS: tuple[str, ...] = (
    "sex", "gender", "female", "male", "women", "men", "ethnic", "ethnicity", "minority", "race",
    "racial", "religion", "religious", "belief", "faith", "disability", "disabled",
    "sexual_orientation", "gender_reassignment", "transgender", "pregnancy", "pregnant", "maternity",
    "marriage", "married", "civil_partnership", "nationality", "country_of_birth",
)  # fmt: skip
AUDIT_COLUMNS: tuple[str, ...] = (
    "target", "feature", "rank", "correlation", "importance", "importance_std",
    "r2_linear", "r2_forest", "n_wards",
)  # fmt: skip

_MIN_WARDS = 10


class ProtectedFeatureError(InputError):
    """A protected characteristic was offered as a model input."""


def protected_features(feature_names: Iterable[str]) -> list[str]:
    """The names that denote a protected characteristic (whole words of the name, any case)."""
    return [name for name in feature_names if _is_protected(name)]


def assert_no_protected_features(feature_names: Iterable[str]) -> None:
    """Raise `ProtectedFeatureError` naming every protected characteristic among `feature_names`."""
    offending = protected_features(feature_names)
    if offending:
        raise ProtectedFeatureError(
            f"protected characteristics are never model features: {offending} "
            "(they are used only to evaluate fairness, at ward level)"
        )


def _is_protected(name: str) -> bool:
    words = "_" + "_".join(re.findall(r"[a-z0-9]+", str(name).lower())) + "_"
    return any(f"_{term}_" in words for term in PROTECTED_TERMS)


def ward_model_inputs(hpanel: pd.DataFrame, covariates: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per area: mean monthly demand per measure and client group, plus the covariates.

    Args:
        hpanel: the hierarchical panel (`area`, `client_group`, `service`, `month`, `measure`, `value`).
        covariates: optional, one row per `area` with the covariate columns the model sees.

    Returns:
        `area` and columns `mean_<measure>` and `mean_<measure>_<client_group>`, then the covariates.
    """
    by_group = hpanel.groupby([AREA, MEASURE, CLIENT_GROUP, MONTH], as_index=False)[VALUE].sum()
    per_group = by_group.groupby([AREA, MEASURE, CLIENT_GROUP])[VALUE].mean().unstack([MEASURE, CLIENT_GROUP])
    per_group.columns = [f"mean_{measure}_{group}" for measure, group in per_group.columns]
    totals = by_group.groupby([AREA, MEASURE, MONTH])[VALUE].sum().groupby([AREA, MEASURE]).mean()
    per_measure = totals.unstack(MEASURE).add_prefix("mean_")
    inputs = per_measure.join(per_group).reset_index()
    inputs.columns.name = None
    if covariates is None:
        return inputs
    assert_no_protected_features(covariates.columns)
    return inputs.merge(covariates, on=AREA, how="left")


def proxy_audit(
    features_by_ward: pd.DataFrame,
    wards: pd.DataFrame,
    *,
    targets: Sequence[str] | None = None,
    cv: int = 5,
    seed: int = 0,
    n_repeats: int = 10,
) -> pd.DataFrame:
    """How well the model's ward-level inputs predict protected or sensitive ward attributes.

    Args:
        features_by_ward: one row per `area` with the numeric inputs the model sees.
        wards: the ward table (`ward_code` or `area`), holding the targets.
        targets: ward attributes to predict; default the minority-ethnic share and the IMD score
            (the IMD rank when there is no score).
        cv: folds of the shuffled, seeded cross-validation.
        seed: seeds the folds, the forest and the permutations.
        n_repeats: permutations per feature for the importance.

    Returns:
        One row per (target, feature), columns `AUDIT_COLUMNS`: `rank` 1 is the strongest proxy
        (highest permutation importance of the forest on held-out wards, mean over folds;
        `importance_std` its spread over folds), `correlation` is Pearson's r with the target, and
        `r2_linear`, `r2_forest` are the target's cross-validated R^2 from all inputs together.
    """
    features, attributes = _aligned(features_by_ward, wards)
    assert_no_protected_features(features.columns)
    chosen = list(targets) if targets is not None else _default_targets(attributes)
    audits = [
        _audit_target(features, attributes[target], cv=cv, seed=seed, n_repeats=n_repeats)
        for target in chosen
    ]
    return pd.concat(audits, ignore_index=True)[list(AUDIT_COLUMNS)]


def strongest_proxies(audit: pd.DataFrame, n: int = 3) -> dict[str, list[str]]:
    """The `n` strongest proxies of each target, strongest first."""
    ranked = audit.sort_values(["target", "rank"])
    return {target: rows["feature"].head(n).tolist() for target, rows in ranked.groupby("target", sort=False)}


def _aligned(features_by_ward: pd.DataFrame, wards: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    if AREA not in features_by_ward.columns:
        raise InputError(f"features by ward: needs an '{AREA}' column")
    key = AREA if AREA in wards.columns else WARD_CODE
    attributes = pd.DataFrame(wards.drop(columns="geometry", errors="ignore")).rename(columns={key: AREA})
    joined = features_by_ward.merge(attributes, on=AREA, how="inner", suffixes=("", "_ward"))
    if len(joined) < _MIN_WARDS:
        raise InputError(f"proxy audit: only {len(joined)} wards match the ward table; needs {_MIN_WARDS}")
    numeric = features_by_ward.drop(columns=[AREA]).select_dtypes("number").columns
    return joined[numeric].astype(float), joined


def _default_targets(attributes: pd.DataFrame) -> list[str]:
    imd = IMD_SCORE if IMD_SCORE in attributes.columns else IMD_RANK
    return [target for target in (MINORITY_SHARE, imd) if target in attributes.columns]


def _audit_target(
    features: pd.DataFrame, target: pd.Series, *, cv: int, seed: int, n_repeats: int
) -> pd.DataFrame:
    y = target.to_numpy(float)
    folds = KFold(n_splits=min(cv, len(y)), shuffle=True, random_state=seed)
    r2_linear = cross_val_score(_linear(), features, y, cv=folds, scoring="r2").mean()
    r2_forest, importances = _forest_out_of_fold(features, y, folds, seed=seed, n_repeats=n_repeats)
    audit = pd.DataFrame(
        {
            "target": target.name,
            "feature": features.columns,
            "correlation": [_pearson(features[c], y) for c in features.columns],
            "importance": importances.mean(axis=0),
            "importance_std": importances.std(axis=0),
        }
    )
    audit["rank"] = audit["importance"].rank(ascending=False, method="first").astype(int)
    return audit.assign(r2_linear=r2_linear, r2_forest=r2_forest, n_wards=len(y)).sort_values("rank")


def _forest_out_of_fold(
    features: pd.DataFrame, y: np.ndarray, folds: KFold, *, seed: int, n_repeats: int
) -> tuple[float, np.ndarray]:
    """Held-out R^2 and held-out permutation importance (one row per fold) of the forest.

    Importance on held-out wards, so a feature the forest merely memorised does not rank high.
    """
    scores: list[float] = []
    importances: list[np.ndarray] = []
    for train, test in folds.split(features):
        forest = _forest(seed).fit(features.iloc[train], y[train])
        scores.append(r2_score(y[test], forest.predict(features.iloc[test])))
        rng = np.random.default_rng([seed, len(importances)])
        importances.append(_permutation_importance(forest, features.iloc[test], y[test], rng, n_repeats))
    return float(np.mean(scores)), np.vstack(importances)


def _permutation_importance(
    model: Pipeline, features: pd.DataFrame, y: np.ndarray, rng: np.random.Generator, n_repeats: int
) -> np.ndarray:
    """Mean drop in R^2 when each feature is shuffled, all permutations scored in one predict call."""
    values = features.to_numpy(float)
    shuffled = []
    for column in range(values.shape[1]):
        for _ in range(n_repeats):
            copy = values.copy()
            copy[:, column] = rng.permutation(copy[:, column])
            shuffled.append(copy)
    predictions = model.predict(pd.DataFrame(np.vstack(shuffled), columns=features.columns))
    per_copy = predictions.reshape(values.shape[1], n_repeats, len(y))
    scores = np.array([[r2_score(y, copy) for copy in feature] for feature in per_copy])
    return r2_score(y, model.predict(features)) - scores.mean(axis=1)


def _linear() -> Pipeline:
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), RidgeCV(np.logspace(-3, 3, 13)))


def _forest(seed: int) -> Pipeline:
    trees = RandomForestRegressor(n_estimators=100, min_samples_leaf=2, random_state=seed, n_jobs=1)
    return make_pipeline(SimpleImputer(strategy="median"), trees)


def _pearson(feature: pd.Series, y: np.ndarray) -> float:
    known = feature.notna().to_numpy()
    if known.sum() < 3 or feature[known].std() == 0:
        return float("nan")
    return float(np.corrcoef(feature[known].to_numpy(float), y[known])[0, 1])
