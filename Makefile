# The verbs a person types. `make demo` and `make test` set up all they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
BIN       := $(VENV)/bin
BUILD     := build
GITDIR    := $(CURDIR)/$(BUILD)/git
DEMO_HOST := flask-demo
DEMO_PORT := 8080
IMAGE_12  := flask-vps:debian12
IMAGE_13  := flask-vps:debian13
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

ENV       ?= demo
VERSION   ?=
TO        ?=
BACKUP    ?=
LINES     ?=
# Secrets: inventory/$(ENV)/.vault-pass (git-ignored) when present; ASK_VAULT=1 asks.
ASK_VAULT ?=
VAULT     := $(if $(wildcard inventory/$(ENV)/.vault-pass),--vault-password-file inventory/$(ENV)/.vault-pass)$(if $(ASK_VAULT), --ask-vault-pass)
# Extra ansible-playbook arguments, e.g. ARGS='-e app_rollback_past_migrations=true'
ARGS      ?=

.PHONY: help demo down deploy rollback backup restore releases status logs run test lint app-test molecule bench venv docker images app-repo

help:
	@echo "make demo   deploy the sample app to a local throwaway VPS container"
	@echo "make down   remove the demo container"
	@echo "make deploy ENV=production [VERSION=ref]   provision and deploy inventory/ENV"
	@echo "make rollback ENV=production [TO=release]  back to the previous (or a named) release"
	@echo "make backup ENV=production     each host's shared data into a backup, now"
	@echo "make restore ENV=production BACKUP=name [FROM=host]  the shared data as a backup holds it (make releases names them; FROM: another host's copy)"
	@echo "make releases ENV=production   each host's releases: state, commit, version, who, when; its backups"
	@echo "make status ENV=production     each host: live release, its units, its health; balancers' shares"
	@echo "make logs ENV=production [LINES=50]   each host: the app's journal and nginx's error log"
	@echo "make run ENV=production CMD='flask routes' [ALL=1]   a one-off command in the live release (first host, or all)"
	@echo "make test   lint, app tests and every Molecule scenario"
	@echo "make lint   yamllint, ansible-lint, ruff, shellcheck"
	@echo "make bench  serving, deploy and fleet benchmarks (docs/bench-*.md)"

# --- setup: each step is skipped when already done ----------------------------
$(BIN)/ansible-playbook: requirements-tools.txt app/requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-tools.txt
	touch $@

venv: $(BIN)/ansible-playbook

docker:
	@tools/ensure-docker

# Both releases at once: each debootstrap waits mostly on the mirror.
images: docker
	@images/build bookworm $(IMAGE_12) & p12=$$!; \
	 images/build trixie $(IMAGE_13) & p13=$$!; \
	 wait $$p12 && wait $$p13

app-repo:
	@mkdir -p $(GITDIR)
	@commit=$$(tools/app-repo app $(GITDIR)/hello.git) && \
	 echo "sample app published at $(GITDIR)/hello.git, commit $$commit"

# --- the demo ---------------------------------------------------------------
demo: venv docker app-repo
	@images/build bookworm $(IMAGE_12)
	@tools/demo-host $(DEMO_HOST) $(IMAGE_12) $(DEMO_PORT) $(GITDIR)
	$(BIN)/ansible-playbook -i inventory/demo deploy.yml
	@curl -fsS http://127.0.0.1:$(DEMO_PORT)/ >/dev/null
	@echo "App live at http://127.0.0.1:$(DEMO_PORT)/"

down:
	@docker rm -f $(DEMO_HOST) >/dev/null 2>&1 || true
	@echo "demo host removed"

# --- operating an environment (inventory/$(ENV)) ----------------------------
deploy: venv
	$(BIN)/ansible-playbook -i inventory/$(ENV) $(VAULT) deploy.yml $(if $(VERSION),-e app_version=$(VERSION)) $(ARGS)

rollback: venv
	$(BIN)/ansible-playbook -i inventory/$(ENV) $(VAULT) playbooks/rollback.yml $(if $(TO),-e app_rollback_to=$(TO)) $(ARGS)

backup: venv
	$(BIN)/ansible-playbook -i inventory/$(ENV) $(VAULT) playbooks/backup.yml $(ARGS)

restore: venv
	@$(if $(BACKUP),:,echo "make restore needs BACKUP, e.g. make restore ENV=$(ENV) BACKUP=<name>; make releases ENV=$(ENV) names them" >&2; exit 2)
	$(BIN)/ansible-playbook -i inventory/$(ENV) $(VAULT) playbooks/restore.yml -e app_restore_backup=$(BACKUP) $(if $(FROM),-e app_restore_from=$(FROM)) $(ARGS)

releases: venv
	$(BIN)/ansible-playbook -i inventory/$(ENV) $(VAULT) playbooks/releases.yml $(ARGS)

status: venv
	$(BIN)/ansible-playbook -i inventory/$(ENV) $(VAULT) playbooks/status.yml $(ARGS)

logs: venv
	$(BIN)/ansible-playbook -i inventory/$(ENV) $(VAULT) playbooks/logs.yml $(if $(LINES),-e app_log_lines=$(LINES)) $(ARGS)

# CMD reaches Ansible as written (make's $(value): a "$" stays a "$"), as JSON.
run: venv
	@$(if $(value CMD),:,echo "make run needs CMD, e.g. make run ENV=$(ENV) CMD='flask --app hello_world routes'" >&2; exit 2)
	$(BIN)/ansible-playbook -i inventory/$(ENV) $(VAULT) playbooks/run.yml \
	  -e "$$($(BIN)/python -c 'import json, sys; print(json.dumps({"app_run_command": sys.argv[1]}))' '$(subst ','\'',$(value CMD))')" \
	  $(if $(ALL),-e app_run_all_hosts=true) $(ARGS)

# --- tests ------------------------------------------------------------------
# The images build (mostly waiting on the mirror) while lint and the app
# tests run, those two side by side (each keeps one core busy; the output of
# each is printed whole when it ends); the scenarios start once all of it
# passed.
test: venv docker
	@mkdir -p $(BUILD)
	@start=$$(date +%s); \
	 { $(MAKE) --no-print-directory images; built=$$?; \
	   echo "=== images: $$( [ $$built -eq 0 ] && echo ready || echo FAILED) after $$(( $$(date +%s) - start )) s"; \
	   exit $$built; } > $(BUILD)/images.log 2>&1 & images=$$!; \
	 $(MAKE) --no-print-directory -j2 --output-sync=target lint app-test; checks=$$?; \
	 echo "=== lint and app tests: $$( [ $$checks -eq 0 ] && echo passed || echo FAILED) in $$(( $$(date +%s) - start )) s"; \
	 wait $$images; built=$$?; cat $(BUILD)/images.log; \
	 [ $$checks -eq 0 ] && [ $$built -eq 0 ] && $(MAKE) --no-print-directory molecule

lint: venv
	$(BIN)/yamllint --strict .
	$(BIN)/ansible-lint
	$(BIN)/ruff check app tests tools/loadgen.py roles/app/files molecule plugins bench
	$(BIN)/ruff format --check app tests tools/loadgen.py roles/app/files molecule plugins bench
	shellcheck $$(grep -l '^#!/usr/bin/env bash' tools/*) images/build images/slim.sh .ci/run roles/nginx/files/nginx-*
	shellcheck --shell=bash roles/app/files/processes.sh
	cd app && SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt ../$(BIN)/uv lock --check

# --- benchmarks (never part of make test) -------------------------------------
# Serving throughput against plain Gunicorn and flask run, deploy times and
# a redeploy's cost under load on one host, fleet deploy times for 1, 3, 4
# and 8 hosts; each writes its table to docs/.
bench: venv docker app-repo
	@images/build bookworm $(IMAGE_12)
	@mkdir -p docs
	bench/serving.py --out docs/bench-serving.md
	bench/deploys.py --out docs/bench-deploys.md
	bench/fleet.py --out docs/bench-fleet.md

app-test: venv
	cd app && ../$(BIN)/pytest -q
	$(BIN)/pytest -q tests

molecule: venv images app-repo
	@tools/molecule-all
