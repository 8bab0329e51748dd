"""The frame contracts: every column name the library uses, in one place.

Records (one row per service package or placement), the long monthly panel, and forecasts
all use these names. Functions take them as defaulted keyword arguments instead of literals.
"""

# --- records: one row per service package / placement -----------------------------------
PERSON_ID = "person_id"
WARD_CODE = "ward_code"
CLIENT_GROUP = "client_group"
SERVICE = "service"
START_DATE = "start_date"
END_DATE = "end_date"
WEEKLY_COST = "weekly_cost"

REQUIRED_RECORD_COLUMNS: tuple[str, ...] = (
    PERSON_ID,
    WARD_CODE,
    CLIENT_GROUP,
    SERVICE,
    START_DATE,
    END_DATE,
    WEEKLY_COST,
)

PACKAGE_ID = "package_id"
PROVIDER_ID = "provider_id"
BIRTH_YEAR = "birth_year"
SEX = "sex"
ETHNICITY = "ethnicity"
PRIMARY_SUPPORT_REASON = "primary_support_reason"
UNIT_COST = "unit_cost"
UNIT_TYPE = "unit_type"
UNITS_PER_WEEK = "units_per_week"

OPTIONAL_RECORD_COLUMNS: tuple[str, ...] = (
    PACKAGE_ID,
    PROVIDER_ID,
    BIRTH_YEAR,
    SEX,
    ETHNICITY,
    PRIMARY_SUPPORT_REASON,
    UNIT_COST,
    UNIT_TYPE,
    UNITS_PER_WEEK,
)

# --- client groups -------------------------------------------------------------------------
CHILDREN = "children"
WORKING_AGE = "working_age"
OLDER_PEOPLE = "older_people"
CLIENT_GROUPS: tuple[str, ...] = (CHILDREN, WORKING_AGE, OLDER_PEOPLE)

# --- the long monthly panel ---------------------------------------------------------------
MONTH = "month"
MEASURE = "measure"
VALUE = "value"
PANEL_COLUMNS: tuple[str, ...] = (WARD_CODE, CLIENT_GROUP, SERVICE, MONTH, MEASURE, VALUE)

CASELOAD = "caseload"
STARTS = "starts"
COST = "cost"
MEASURES: tuple[str, ...] = (CASELOAD, STARTS, COST)
COUNT_MEASURES: tuple[str, ...] = (CASELOAD, STARTS)

# --- wards (areas) -------------------------------------------------------------------------
WARD_NAME = "ward_name"
DISTRICT = "district"
LOCALITY = "locality"
COUNCIL = "council"
POPULATION = "population"
POP_0_17 = "pop_0_17"
POP_18_64 = "pop_18_64"
POP_65_PLUS = "pop_65_plus"
IMD_DECILE = "imd_decile"
IMD_SCORE = "imd_score"
IMD_RANK = "imd_rank"
MINORITY_SHARE = "minority_ethnic_share"
GEOMETRY = "geometry"

# --- the generic hierarchical panel used by the forecasting engine -----------------------
AREA = "area"
AREA_LEVEL = "area_level"
ALL = "all"
WARD_LEVEL, DISTRICT_LEVEL, COUNCIL_LEVEL = "ward", "district", "council"
AREA_LEVELS: tuple[str, ...] = (WARD_LEVEL, DISTRICT_LEVEL, COUNCIL_LEVEL)

# --- forecasts -----------------------------------------------------------------------------
MEAN = "mean"
LO_80, HI_80, LO_95, HI_95 = "lo_80", "hi_80", "lo_95", "hi_95"
INTERVAL_COLUMNS: tuple[str, ...] = (LO_80, HI_80, LO_95, HI_95)
FORECAST_COLUMNS: tuple[str, ...] = (
    AREA_LEVEL,
    AREA,
    CLIENT_GROUP,
    SERVICE,
    MONTH,
    MEASURE,
    MEAN,
    *INTERVAL_COLUMNS,
)

# --- backtests -----------------------------------------------------------------------------
CUTOFF = "cutoff"
HORIZON_STEP = "horizon_step"
ACTUAL = "actual"

# --- the engine's per-series frame (one regular monthly series per unique_id) -------------
SERIES_ID = "unique_id"
HIERARCHICAL_PANEL_COLUMNS: tuple[str, ...] = (AREA, CLIENT_GROUP, SERVICE, MONTH, MEASURE, VALUE)
