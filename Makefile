# Loss Lab: `make run` starts the app, `make test` runs every check.
# Uses whichever `python` is first on PATH (override: make test PYTHON=python3.11).

PYTHON ?= python
PIP := $(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore

.PHONY: run test bench lint install install-dev chromium postgresql

run: install
	$(PYTHON) -m streamlit run app.py

test: install-dev chromium postgresql
	$(PYTHON) -m pytest
	$(PYTHON) -m ruff check .

bench: install-dev
	$(PYTHON) bench/run.py

lint:
	$(PYTHON) -m ruff check .

install:
	$(PIP) -r requirements.txt

install-dev:
	$(PIP) -r requirements-dev.txt

# The browser tests drive Debian's own Chromium (no `playwright install` download).
chromium:
	@if command -v chromium >/dev/null 2>&1; then \
		echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "The browser tests need Debian's chromium, and it is not installed."; \
		echo "Install it as root, then run make test again:"; \
		echo "    sudo apt-get update && sudo apt-get install -y chromium"; \
		exit 1; \
	fi

# The database tests start a throwaway cluster of Debian's PostgreSQL (initdb, pg_ctl).
postgresql:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "postgresql: $$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null || command -v initdb)"; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; \
	else \
		echo "The database tests need Debian's postgresql, and it is not installed."; \
		echo "Install it as root, then run make test again:"; \
		echo "    sudo apt-get update && sudo apt-get install -y postgresql"; \
		exit 1; \
	fi
