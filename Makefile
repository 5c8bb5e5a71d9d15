# Two commands on a fresh Debian/Ubuntu machine:
#   make demo   train, export and evaluate the default wake word on data made on the spot
#   make test   run the whole test suite (and build the docs)
# Both set up the Debian packages (as root or with sudo), .venv and the Python
# dependencies first, and redo nothing that is already done.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# reinstall when the package definition or the C extension's sources change
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml setup.py $(wildcard csrc/*.cc) | sha256sum | cut -c1-12)
DEMO_CONFIG ?= configs/alexa.toml
DEMO_OUT ?= runs/alexa

.PHONY: setup system demo test firmware-check docs bench clean

system:
	@bash scripts/system_packages.sh

$(STAMP): pyproject.toml setup.py $(wildcard csrc/*.cc)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[train,app,dev,distributed,docs,federated]"
	# the speaker encoder's weights (evaluation/speakers.py reads only its pretrained.pt; its torch code is never imported)
	$(PY) -m pip install -q --no-deps resemblyzer==0.1.4
	@rm -f $(VENV)/.installed-* && touch $@

setup: system $(STAMP)

demo: setup
	$(PY) -m training.cli $(DEMO_CONFIG) --out $(DEMO_OUT)

test: setup firmware-check docs
	KIVY_NO_ARGS=1 $(PY) -m pytest -q tests

# the documentation site (site/): MkDocs, warnings as errors; the generated pages must be current
docs: setup
	$(PY) -m training.config_doc --check docs/config.md
	$(PY) -m training.cli_doc --check docs/cli.md
	@# not --quiet: it hides the warnings --strict counts, and a broken link would pass
	$(VENV)/bin/mkdocs build --strict

firmware-check: setup
	$(MAKE) -C firmware -j2 check
	$(PY) -m training.firmware_budget --bundle wakeword/bundles/alexa

bench: setup
	$(PY) bench/engine_speed.py

clean:
	rm -rf runs build site *.egg-info
