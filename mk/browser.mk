# Browser tests (tests/web): Debian's Chromium, driven by Playwright (the PyPI library only; browser
# builds cannot be downloaded here), and axe-core from npm for the accessibility checks.
# Chromium is installed with apt only when /usr/bin/chromium is missing (CI: a fresh machine, root).
CHROMIUM := /usr/bin/chromium
AXE_DIR := tests/web
AXE := $(AXE_DIR)/node_modules/axe-core/axe.min.js

.PHONY: browser

browser: $(CHROMIUM) $(AXE)

$(CHROMIUM):
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
	$(CHROMIUM) --version

$(AXE): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	npm ci --silent --no-audit --no-fund --prefix $(AXE_DIR)
	@touch $@

TEST_DEPS += $(CHROMIUM) $(AXE)
