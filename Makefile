# Each target creates its own virtual environment (.venv) and installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

demo: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[demo]'
	$(BIN)/python -m ember.examples.digits

test: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,demo,vision]'
	$(BIN)/python -m pytest -n 2 -q tests

bench: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py --markdown bench/README.md

clean:
	rm -rf $(VENV) build *.egg-info
