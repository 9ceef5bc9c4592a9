# Each target creates and fills its own virtual environment (.venv) first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench venv clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'

demo: venv
	$(BIN)/python examples/autograd_demo.py

test: venv
	$(BIN)/python -m pytest -n 2 -q tests

bench: venv
	$(BIN)/python -m pip install -q -e ".[bench]" && $(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info
