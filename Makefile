# CareerLink: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi:app

.PHONY: run test install install-test lint format wheel bench clean coverage mutation \
	i18n-extract i18n-update i18n-init i18n-compile

# The translation catalogues (careerlink/translations/<lang>/LC_MESSAGES/messages.po), compiled
# to .mo whenever a .po is newer: that is what makes a language installed.
PO_FILES := $(wildcard careerlink/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
POT := careerlink/translations/messages.pot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed $(MO_FILES)

install-test: $(VENV)/.installed-test $(MO_FILES)

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

i18n-compile: $(MO_FILES)

# Every marked string of the Python code and the templates, into the template catalogue.
i18n-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		-k lazy_pgettext:1c,2 --add-location=file --no-wrap --sort-by-file \
		--project=CareerLink -o $(POT) .

# Bring every language's catalogue in line with the code (new strings empty, changed ones fuzzy).
i18n-update: i18n-extract
	$(BIN)/pybabel update -i $(POT) -d careerlink/translations --no-wrap --ignore-obsolete

# Start a new language: make i18n-init LANG_CODE=de
i18n-init: i18n-extract
	$(BIN)/pybabel init -i $(POT) -d careerlink/translations -l $(LANG_CODE) --no-wrap

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask careerlink demo
	@echo "Emails are delivered by a mail worker into instance/mail/*.eml; webhooks by their own worker"
	$(BIN)/flask careerlink mail send --loop --interval 2 & mail=$$!; \
	$(BIN)/flask careerlink webhooks deliver --loop --interval 2 & hooks=$$!; \
	trap 'kill $$mail $$hooks 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Line and branch coverage of the package (browser and wheel tests aside); fails under 90%,
# combined or of the branches alone.
coverage: install-test
	$(BIN)/python -m pytest -m "not browser and not wheel" --cov=careerlink --cov-branch \
		--cov-report=term-missing:skip-covered --cov-fail-under=90 $(PYTEST_ARGS)
	@$(BIN)/coverage json -q -o $(VENV)/coverage.json
	@$(BIN)/python -c 'import json, sys; t = json.load(open("$(VENV)/coverage.json"))["totals"]; \
		c, n = t["covered_branches"], t["num_branches"]; \
		print(f"branch coverage {100 * c / n:.1f}% ({c} of {n}); the goal is 90%"); \
		sys.exit(100 * c < 90 * n)'

# Mutation testing (mutmut, settings in pyproject.toml): the request state machine, the
# permission rules and the signed-link code. Slow (tens of minutes); not part of CI.
# `make mutation MUTATE='careerlink.connections.models.*'` narrows it to some functions.
MUTATE ?= careerlink.connections.models.* careerlink.connections.machine.* \
	careerlink.permissions.* careerlink.connections.services.queries.x_can_* \
	careerlink.mentors.services.x_can_* careerlink.tokens.* careerlink.accounts.links.* \
	careerlink.connections.links.* careerlink.mentors.links.*
MUTATION_JOBS ?= 2
mutation: install-test
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(MUTATE)
	@$(BIN)/mutmut results --all true | awk -F': ' ' \
		$$2 == "not checked" { next } \
		{ area = "signed links"; \
		  if ($$1 ~ /connections\.(models|machine)\./) area = "request state machine"; \
		  else if ($$1 ~ /permissions\.|x_can_/) area = "permission rules"; \
		  total[area]++; if ($$2 == "killed") killed[area]++; \
		  else survivors = survivors "\n  " $$2 ": " $$1 } \
		END { for (a in total) printf "%-22s %4d of %4d killed (%.1f%%)\n", a, killed[a], \
		  total[a], 100 * killed[a] / total[a]; \
		  if (survivors) print "not killed (mutmut show NAME):" survivors }'

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	$(BIN)/python bench/directory.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache mutants .coverage htmlcov
