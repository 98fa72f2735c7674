# Spamguard: `make run` and `make test` set up a fresh Debian 12 machine and do the rest.
BUILD_DIR      ?= build
SANITIZE_DIR   ?= build-sanitize
LISTEN         ?= 127.0.0.1:50051
JOBS           ?= $(shell nproc)
CTL            := $(BUILD_DIR)/spamguardctl
SERVER         := $(BUILD_DIR)/spamguard-server
MODEL_STORE    := models
DEFAULT_MODEL  := $(MODEL_STORE)/current/model.spgm
# The default model's training mix (see data/README.md for what is in it and why).
TRAIN_INPUTS   := data/youtube-spam/youtube-spam.tsv data/sms-spam/sms-spam.tsv \
                  data/tg-spam/tg-spam.tsv data/smokedetector-titles/smokedetector-titles.tsv

.PHONY: all deps configure build model run test sanitize eval bench format clean

all: build

deps:
	@deploy/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Retrained when absent, or older than its data or the code that prepares the text.
$(DEFAULT_MODEL): $(TRAIN_INPUTS) $(CTL)
	$(CTL) train --model $(MODEL_STORE) --publish --default-mix $(TRAIN_INPUTS)

$(CTL): build

model: build
	@$(MAKE) --no-print-directory $(DEFAULT_MODEL)

run: model
	$(SERVER) --listen $(LISTEN) --model $(MODEL_STORE) --data-dir var

test: model
	cd $(BUILD_DIR) && ctest --output-on-failure -j 2

# The model library's unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize: deps
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug -DSPAMGUARD_SANITIZE=ON >/dev/null
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target spamguard_unit_tests
	$(SANITIZE_DIR)/spamguard_unit_tests --gtest_brief=1

eval: model
	$(CTL) eval --model $(MODEL_STORE) --rules rules/default.yaml

bench: build
	$(BUILD_DIR)/spamguard_bench --benchmark_min_time=0.5

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
