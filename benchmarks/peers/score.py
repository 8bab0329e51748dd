"""Score every model's holdout forecasts with demandcast's metric code and write $PEERS_WORK/tables.md.

Reads $PEERS_WORK/series.parquet and each forecasts_<model>.parquet / meta_<model>.json present
(seasonal naive is computed here). Per measure and level: mean MASE over series (scale = the series'
in-sample seasonal-naive MAE on its training months; series with scale 0 are left out of MASE and
counted) and pooled WAPE. Models fitted on a sample of ward series are scored on that sample, in an
extra row where every model is scored on the same sample. Every model's meta must name the city seed
prepare.py recorded (models fitted before it was recorded name none and are accepted).

Usage: /work/main/.venv/bin/python benchmarks/peers/score.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
from holdout import (
    AS_OF,
    FORECAST,
    LEVELS,
    WORK,
    city_seed,
    read_panel,
    scored_frame,
    seasonal_naive,
    series_scales,
)

from demandcast.columns import ACTUAL, MEASURE, SERIES_ID
from demandcast.models.metrics import mase, wape

ROOT = Path(__file__).resolve().parents[2]
MODELS = {
    "naive": "seasonal naive",
    "ets": "statsmodels ETS",
    "prophet": "Prophet",
    "autoets": "AutoETS",
    "demandcast": "demandcast",
}
SAMPLE_ROW = "ward bottom, seeded sample (600 over the 3 measures)"


def load_forecasts(series: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """name -> forecasts (unique_id, month, forecast) and name -> meta, for every model that has run."""
    forecasts, metas = {"naive": seasonal_naive(series)}, {}
    recorded = city_seed()
    for name in list(MODELS)[1:]:
        path = WORK / f"forecasts_{name}.parquet"
        if path.exists():
            frame = pd.read_parquet(path)
            frame[SERIES_ID] = frame[SERIES_ID].astype("str")
            forecasts[name] = frame
            metas[name] = json.loads((WORK / f"meta_{name}.json").read_text())
            seed = metas[name].get("city_seed")
            if seed is not None and seed != recorded:
                raise SystemExit(f"{name} was fitted on city seed {seed}, {WORK} holds seed {recorded}")
    return forecasts, metas


def cell(scored: pd.DataFrame, scales: pd.DataFrame) -> dict[str, float]:
    """MASE, WAPE and the count of series scored; NaN when any series lacks a forecast."""
    if scored[FORECAST].isna().any():
        return {"mase": np.nan, "wape": np.nan}
    return {"mase": mase(scored, FORECAST, scales), "wape": wape(scored[ACTUAL], scored[FORECAST])}


def score_table(series: pd.DataFrame, forecasts: dict[str, pd.DataFrame], sample: list[str]) -> pd.DataFrame:
    """Rows (measure, row label, model) with mase, wape, n_series, n_zero_scale."""
    scales = series_scales(series)
    zero = set(scales.loc[scales["scale"].isna(), SERIES_ID])
    kinds = series.drop_duplicates(SERIES_ID).set_index(SERIES_ID)
    groups = {label: kinds.index[kinds["level"] == level] for level, label in LEVELS.items()}
    if sample:
        groups[SAMPLE_ROW] = pd.Index(sample)
    rows = []
    for measure in sorted(series[MEASURE].unique()):
        for label, ids in groups.items():
            ids = ids[kinds.loc[ids, MEASURE].to_numpy() == measure]
            part = series[series[SERIES_ID].isin(ids)]
            for name, frame in forecasts.items():
                scored = scored_frame(part, frame)
                rows.append(
                    {
                        MEASURE: measure,
                        "row": label,
                        "model": name,
                        **cell(scored, scales),
                        "n_series": len(ids),
                        "n_zero_scale": len(set(ids) & zero),
                    }
                )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """One table per measure: mean MASE / WAPE per level and model, the best MASE in bold."""
    names = [n for n in MODELS if n in set(table["model"])]
    out = []
    for measure, part in table.groupby(MEASURE, sort=True):
        out += [
            f"\n### {measure}\n",
            "| level | series (scale 0) | " + " | ".join(MODELS[n] for n in names) + " |",
            "|---|---:|" + "---:|" * len(names),
        ]
        for label, row in part.groupby("row", sort=False):
            by_model = row.set_index("model")
            best = by_model["mase"].min()
            cells = [_cell(by_model.loc[n], best) for n in names]
            first = by_model.iloc[0]
            out.append(f"| {label} | {first.n_series} ({first.n_zero_scale}) | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _cell(r: pd.Series, best: float) -> str:
    if np.isnan(r["mase"]):
        return "-"
    text = f"{r['mase']:.3f} / {r['wape']:.1%}"
    return f"**{text}**" if np.isclose(r["mase"], best) else text


def shortfalls(table: pd.DataFrame) -> list[str]:
    """Every (measure, level) where some model's MASE is below demandcast's."""
    lines = []
    for (measure, label), row in table.groupby([MEASURE, "row"], sort=False):
        by_model = row.set_index("model")["mase"].dropna()
        if "demandcast" not in by_model:
            continue
        better = by_model[by_model < by_model["demandcast"]].drop("demandcast", errors="ignore")
        for name, value in better.sort_values().items():
            lines.append(
                f"- {measure}, {label}: {MODELS[name]} {value:.3f} < demandcast {by_model['demandcast']:.3f} "
                f"(demandcast's MASE {by_model['demandcast'] / value - 1:.0%} higher)"
            )
    return lines


def timing(metas: dict[str, dict]) -> str:
    """One row per fitted model: series fitted, workers, wall seconds, worker CPU seconds, load at the end."""
    lines = [
        "| model | series fitted | workers | wall s | CPU s (workers) | load avg at end |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, meta in metas.items():
        lines.append(
            f"| {MODELS[name]} | {meta.get('series', 'all 4,212')} | {meta.get('jobs', 2)} | "
            f"{meta['wall_seconds']} | {meta.get('worker_cpu_seconds', '-')} | "
            f"{meta.get('load_average_1min_at_end', '-')} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    series = read_panel()
    forecasts, metas = load_forecasts(series)
    sample_path = WORK / "ward_sample.json"
    sample = json.loads(sample_path.read_text()) if sample_path.exists() else []
    table = score_table(series, forecasts, sample)
    table.to_csv(WORK / "scores.csv", index=False)
    seed = city_seed()
    text = (
        f"City seed {seed if seed is not None else 'not recorded'}; as_of {AS_OF:%Y-%m-%d}.\n\n"
        "## Mean MASE / WAPE per level (best MASE in bold)\n"
        + markdown(table)
        + "\n## Where demandcast is not the best (by mean MASE)\n\n"
        + ("\n".join(shortfalls(table)) or "- nowhere")
        + "\n\n## Wall time\n\n"
        + timing(metas)
    )
    (WORK / "tables.md").write_text(text)
    print((WORK / "tables.md").read_text())
    print(json.dumps(metas, indent=1))
    print(f"as_of {AS_OF:%Y-%m-%d}; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
