# Media pipeline benchmark: presign → PUT → complete → queue → worker → ready, against the same
# photos processed inline in one process. `make bench-pipeline PHOTOS=50` for a shorter run.
PHOTOS ?= 200
BENCH_PIPELINE_ARGS ?=

.PHONY: bench-pipeline

bench-pipeline: venv
	$(BIN)/python -m bench.pipeline --photos $(PHOTOS) $(BENCH_PIPELINE_ARGS)
