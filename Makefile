# make demo  - set up, import the bundled samples, build the index, search it, serve it on $(PORT)
# make test  - set up and run the test suite
# make stress - long reliability runs: 40 index kills, 10 crawl kills, 60 s load tests against `danvan serve`
#               on the demo index and on 30,000 news documents (imported once into $(LOAD_HOME))
# make bench - speed benchmark vs SQLite FTS5 at $(BENCH_SIZES) documents (BENCH_SIZES=10000 for a quick run)
# make browser - install Debian's Chromium for the browser tests (idempotent; .ci/run calls it)
# make tools  - install the Debian tools attachments need: OCR, PDF rendering, .doc (idempotent; .ci/run calls it)
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
DEMO_HOME ?= demo-data
PORT ?= 5000
BENCH_SIZES ?= 10000,30000,100000
LOAD_HOME ?= build/load-30k
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: install test stress bench demo browser tools clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

test: install tools
	$(BIN)/python -m pytest -q

stress: install
	DANVAN_CRASH_KILLS=40 $(BIN)/python -m pytest -q -s tests/test_crash.py
	DANVAN_CRAWL_KILLS=10 $(BIN)/python -m pytest -q -s tests/test_crawl.py -k killed
	$(BIN)/python -m pytest -q -s tests/test_crawl_hostile.py -k figures
	$(BIN)/python -m pytest -q -s -m stress tests/test_load.py
	$(BIN)/python benchmarks/speed.py --sizes 30000 --prepare $(LOAD_HOME)
	DANVAN_LOAD_HOME=$(LOAD_HOME) $(BIN)/python -m pytest -q -s -m stress tests/test_load.py

# 1-2 hours on 2 cores for 10k + 30k + 100k (BENCHMARKS.md, "Scale, session 5").  Figures go in BENCHMARKS.md.
bench: install
	nice $(BIN)/python benchmarks/speed.py --sizes $(BENCH_SIZES)

demo: install tools
	DANVAN_HOME=$(DEMO_HOME) $(BIN)/danvan import corpus/samples
	DANVAN_HOME=$(DEMO_HOME) $(BIN)/danvan index
	DANVAN_HOME=$(DEMO_HOME) $(BIN)/danvan search "dân vận khéo" --limit 3
	DANVAN_HOME=$(DEMO_HOME) $(BIN)/danvan serve --port $(PORT)

# The browser tests drive the system Chromium through playwright; no browser is downloaded.
browser: install
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core; }
	$(BIN)/python -m pip install -q 'playwright >= 1.40'

# Attachments: tesseract + its Vietnamese model (scans), poppler (PDF pages), antiword (.doc), DejaVu (test files).
tools:
	@{ command -v tesseract && command -v pdftoppm && command -v antiword && tesseract --list-langs 2>&1 | grep -qx vie \
	   && test -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf; } >/dev/null 2>&1 || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends \
		tesseract-ocr tesseract-ocr-vie poppler-utils antiword fonts-dejavu-core; }

clean:
	rm -rf $(DEMO_HOME) build *.egg-info
