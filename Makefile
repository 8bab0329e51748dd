# Set-up and main commands. `make run` and `make test` are all a newcomer needs.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= demo
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --constraint constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

$(DEMO_DIR)/records.parquet: | $(STAMP)
	$(VENV)/bin/demandcast generate --out $(DEMO_DIR)

run: install $(DEMO_DIR)/records.parquet
	$(VENV)/bin/demandcast validate $(DEMO_DIR)/records.parquet --wards $(DEMO_DIR)/wards.geojson --quarantine $(DEMO_DIR)/quarantine.csv
	$(VENV)/bin/demandcast panel $(DEMO_DIR)/records.parquet --wards $(DEMO_DIR)/wards.geojson --out $(DEMO_DIR)/panel.parquet
	$(VENV)/bin/demandcast train --records $(DEMO_DIR)/records.parquet --wards $(DEMO_DIR)/wards.geojson --out $(DEMO_DIR)/model
	$(VENV)/bin/demandcast forecast --model champion --out $(DEMO_DIR)/forecasts_published.csv --publish

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

clean:
	rm -rf $(DEMO_DIR) .pytest_cache
