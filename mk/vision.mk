# Vision service benchmark: accuracy, Ray Serve throughput vs a naive baseline, matching latency.
# `make bench-vision FACES=dir` takes any folder with labels.csv (file,person) and its images.
FACES ?= ../shared/faces
BENCH_VISION_ARGS ?=

.PHONY: bench-vision

bench-vision: venv
	$(BIN)/python -m bench.vision --faces $(FACES) $(BENCH_VISION_ARGS)
