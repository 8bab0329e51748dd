"""The ward table: codes, names, districts, population by age group, deprivation, ethnicity, geometry.

`load_wards()` with no path gives the embedded demo city: Birmingham's 69 wards (facts from the
published ward table) with stand-in Voronoi geometry. With a path it reads a real boundary file
(GeoJSON, GeoPackage or Shapefile) and joins the embedded attributes by ward code when the file
lacks them.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from demandcast.columns import (
    COUNCIL,
    DISTRICT,
    GEOMETRY,
    IMD_DECILE,
    IMD_RANK,
    IMD_SCORE,
    LOCALITY,
    MINORITY_SHARE,
    POP_0_17,
    POP_18_64,
    POP_65_PLUS,
    POPULATION,
    WARD_CODE,
    WARD_NAME,
)
from demandcast.data.ward_geometry import OUTPUT_CRS, voronoi_wards
from demandcast.errors import InputError
from demandcast.files import write_atomically

COUNCIL_CODE = "E08000025"
FACTS_FILE = "birmingham_wards.csv"

CITY_SHARE_0_17 = 0.251
CITY_SHARE_65_PLUS = 0.132
CITY_MINORITY_SHARE = 0.514  # Census 2021: 48.6% White

# Census 2021 65+ shares: 20-28% in these wards, 5-9% in the young inner wards
OLDER_WARDS = ("Northfield", "Longbridge & West Heath", "Quinton", "Sheldon")
OLDER_DISTRICT = "Sutton Coldfield"
YOUNG_WARDS = (
    "Ladywood",
    "Soho & Jewellery Quarter",
    "Nechells",
    "Bournbrook & Selly Park",
    "Sparkbrook & Balsall Heath East",
    "Alum Rock",
)
# city-centre flats and student housing: few children
FEW_CHILDREN_WARDS = ("Ladywood", "Soho & Jewellery Quarter", "Bournbrook & Selly Park")
INNER_EAST = (52.474, -1.872)  # Sparkbrook / Small Heath, the heart of the city's minority communities

WARD_COLUMNS: tuple[str, ...] = (
    WARD_CODE,
    WARD_NAME,
    DISTRICT,
    LOCALITY,
    COUNCIL,
    POPULATION,
    POP_0_17,
    POP_18_64,
    POP_65_PLUS,
    IMD_DECILE,
    IMD_RANK,
    IMD_SCORE,
    MINORITY_SHARE,
)
_CODE_PATTERN = re.compile(r"^WD\d{2}CD$", re.IGNORECASE)
_NAME_PATTERN = re.compile(r"^WD\d{2}NM$", re.IGNORECASE)


def load_wards(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """The ward table with geometry in EPSG:4326, one row per ward, ordered by ward code.

    Columns: ward_code, ward_name, district (the parliamentary constituency, pre-2024 boundaries;
    for the seven wards that straddle two, the one holding most of the ward), locality (NHS
    locality), council, population (mid-2024), pop_0_17, pop_18_64, pop_65_plus, imd_decile and
    imd_rank (IMD 2019, within-city rank 1 = most deprived), imd_score, minority_ethnic_share,
    geometry.

    The age split, imd_score and minority_ethnic_share are modelled estimates, not published ward
    figures: see `ward_attributes`. Geometry of the embedded table is a Voronoi stand-in.

    Args:
        path: a boundary file (GeoJSON, GeoPackage, Shapefile) with a `ward_code` or ONS `WDyyCD`
            column; None for the embedded demo wards.

    Raises:
        InputError: naming the file and column when the file cannot be read, has no code column,
            or has codes the embedded table does not know while lacking the attributes itself.
    """
    attributes = ward_attributes()
    if path is None:
        geometry = voronoi_wards(
            attributes[WARD_CODE].tolist(), attributes.pop("lat").to_numpy(), attributes.pop("lon").to_numpy()
        )
        return gpd.GeoDataFrame(attributes, geometry=geometry.to_numpy(), crs=OUTPUT_CRS)
    return _wards_from_file(Path(path), attributes.drop(columns=["lat", "lon"]))


def ward_attributes() -> pd.DataFrame:
    """The embedded facts with the modelled age split, deprivation score and minority share.

    Modelled estimates (deterministic, no randomness):
    - 65+ share: 24% in the Sutton Coldfield wards and the named outer south-west wards, 7% in the
      young inner wards, and for the rest a share rising with the IMD decile, scaled so the city
      total is 13.2% (Census 2021).
    - 0-17 share: 13% in the city-centre and student wards, otherwise falling with the IMD decile
      (more deprived, younger), scaled so the city total is 25.1%.
    - minority-ethnic share: a logistic curve falling with distance from the inner east (Sparkbrook,
      Small Heath) and rising with deprivation, shifted so the population-weighted city share is
      51.4% (Census 2021, 48.6% White). Highest in the inner east and central deprived wards,
      lowest in Sutton Coldfield.
    - imd_score: a within-city relative deprivation score in [0, 1] from the within-city IMD 2019
      rank (1.0 = most deprived ward, 0.0 = least); it is not the published IMD score.
    """
    facts = _read_facts()
    population = facts[POPULATION].to_numpy(dtype=float)
    share_65 = _share_65_plus(facts, population)
    share_0_17 = _share_0_17(facts, population)
    pop_65 = np.rint(population * share_65).astype("int64")
    pop_0_17 = np.rint(population * share_0_17).astype("int64")
    rank = facts[IMD_RANK].to_numpy(dtype=float)
    return facts.assign(
        **{
            POP_0_17: pop_0_17,
            POP_18_64: facts[POPULATION].to_numpy() - pop_0_17 - pop_65,
            POP_65_PLUS: pop_65,
            IMD_SCORE: (rank.max() - rank) / (rank.max() - rank.min()),
            MINORITY_SHARE: _minority_share(facts, population),
        }
    )[[*WARD_COLUMNS, "lat", "lon"]]


def write_wards(wards: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write the ward table as GeoJSON atomically (a temporary file in the same folder, then a rename)."""
    geojson = wards.to_crs(OUTPUT_CRS)
    return write_atomically(path, lambda temporary: geojson.to_file(temporary, driver="GeoJSON"))


def _read_facts() -> pd.DataFrame:
    text = resources.files("demandcast.data").joinpath(FACTS_FILE).open("r", encoding="utf-8")
    with text:
        raw = pd.read_csv(text, dtype={"code": "str"})
    return pd.DataFrame(
        {
            WARD_CODE: raw["code"].astype("str"),
            WARD_NAME: raw["name"].astype("str"),
            DISTRICT: raw["constituency"].astype("str"),
            LOCALITY: raw["locality"].astype("str"),
            COUNCIL: COUNCIL_CODE,
            POPULATION: raw["pop_mid2024"].astype("int64"),
            IMD_DECILE: raw["imd2019_decile"].astype("int64"),
            IMD_RANK: raw["imd2019_rank_in_bham"].astype("int64"),
            "lat": raw["lat"].astype(float),
            "lon": raw["lon"].astype(float),
        }
    ).sort_values(WARD_CODE, ignore_index=True)


def _share_65_plus(facts: pd.DataFrame, population: np.ndarray) -> np.ndarray:
    older = facts[WARD_NAME].isin(OLDER_WARDS).to_numpy() | (facts[DISTRICT] == OLDER_DISTRICT).to_numpy()
    young = facts[WARD_NAME].isin(YOUNG_WARDS).to_numpy()
    fixed = np.where(older, 0.24, np.where(young, 0.07, np.nan))
    rest = 0.08 + 0.012 * facts[IMD_DECILE].to_numpy(dtype=float)
    return _scale_free_shares(fixed, rest, population, CITY_SHARE_65_PLUS)


def _share_0_17(facts: pd.DataFrame, population: np.ndarray) -> np.ndarray:
    few = facts[WARD_NAME].isin(FEW_CHILDREN_WARDS).to_numpy()
    fixed = np.where(few, 0.13, np.nan)
    rest = 0.19 + 0.018 * (10 - facts[IMD_DECILE].to_numpy(dtype=float))
    return _scale_free_shares(fixed, rest, population, CITY_SHARE_0_17)


def _scale_free_shares(
    fixed: np.ndarray, free: np.ndarray, population: np.ndarray, city: float
) -> np.ndarray:
    # keep the named wards at their shares; scale the rest so the population-weighted total is `city`
    is_fixed = ~np.isnan(fixed)
    needed = city * population.sum() - (fixed[is_fixed] * population[is_fixed]).sum()
    scale = needed / (free[~is_fixed] * population[~is_fixed]).sum()
    return np.where(is_fixed, fixed, free * scale)


def _minority_share(facts: pd.DataFrame, population: np.ndarray) -> np.ndarray:
    distance_km = _distance_km(facts["lat"].to_numpy(), facts["lon"].to_numpy(), *INNER_EAST)
    deprivation = (10 - facts[IMD_DECILE].to_numpy(dtype=float)) / 9
    linear = -0.34 * distance_km + 1.0 * deprivation
    low, high = -20.0, 20.0
    for _ in range(60):  # bisection on the intercept for the city-wide share
        middle = (low + high) / 2
        city = (_logistic(middle + linear) * population).sum() / population.sum()
        low, high = (middle, high) if city < CITY_MINORITY_SHARE else (low, middle)
    return _logistic((low + high) / 2 + linear)


def _distance_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    north = (lat - lat0) * 111.2
    east = (lon - lon0) * 111.2 * np.cos(np.radians(lat0))
    return np.hypot(north, east)


def _logistic(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _wards_from_file(path: Path, embedded: pd.DataFrame) -> gpd.GeoDataFrame:
    try:
        raw = gpd.read_file(path)
    except Exception as error:  # any reader failure is unusable input
        raise InputError(f"{path}: cannot read the ward boundary file ({error})") from error
    code_column = _find_column(raw, WARD_CODE, _CODE_PATTERN)
    if code_column is None:
        raise InputError(f"{path}: no ward code column (expected '{WARD_CODE}' or an ONS 'WDyyCD' column)")
    name_column = _find_column(raw, WARD_NAME, _NAME_PATTERN)
    names = {name_column: WARD_NAME} if name_column else {}
    renamed = raw.rename(columns={code_column: WARD_CODE, **names})
    renamed[WARD_CODE] = renamed[WARD_CODE].astype("str")
    wards = renamed.to_crs(OUTPUT_CRS) if renamed.crs is not None else renamed.set_crs(OUTPUT_CRS)
    missing = [c for c in WARD_COLUMNS if c not in wards.columns]
    if missing:
        wards = _join_embedded(wards, embedded, missing, path, code_column)
    return wards[[*WARD_COLUMNS, GEOMETRY]].sort_values(WARD_CODE, ignore_index=True)


def _find_column(frame: pd.DataFrame, exact: str, pattern: re.Pattern[str]) -> str | None:
    if exact in frame.columns:
        return exact
    return next((c for c in frame.columns if pattern.match(str(c))), None)


def _join_embedded(
    wards: gpd.GeoDataFrame, embedded: pd.DataFrame, missing: list[str], path: Path, code_column: str
) -> gpd.GeoDataFrame:
    unknown = sorted(set(wards[WARD_CODE]) - set(embedded[WARD_CODE]))
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise InputError(
            f"{path}: column {code_column!r} has {len(unknown)} ward codes the embedded ward table does not "
            f"know ({shown}), and the file lacks the ward attributes {missing}"
        )
    return wards.merge(embedded[[WARD_CODE, *missing]], on=WARD_CODE, how="left", validate="one_to_one")
