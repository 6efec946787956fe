.PHONY: run test lint install browsers
PY := .venv/bin/python

install:
	@scripts/bootstrap

run: install
	@scripts/run

test: install
	@scripts/test

lint: install
	.venv/bin/ruff check .
