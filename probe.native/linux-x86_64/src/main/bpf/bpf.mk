# Builds the probe's eBPF object and the skeleton header that embeds it in the shim library.
# Included by ../native/Makefile, which defines OUT (the output directory) and FALCO_INC.
#   $(BPF_SKEL)       the skeleton header (generated), a prerequisite of the loader's objects
#   $(BPF_INCLUDES)   include flags for the loader: the skeleton and probe_shared.h
#   $(BPF_LIBS)       libraries the loader links
# Needs: clang (>= 14), bpftool, libbpf-dev. No kernel headers and no BTF: the programs read
# kernel structures through CO-RE relocations (kernel_types.h).

# The rules below must not become the including Makefile's default goal.
BPF_SAVED_GOAL := $(.DEFAULT_GOAL)

BPF_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BPF_OUT := $(OUT)/bpf
BPF_CLANG ?= clang
BPFTOOL ?= bpftool
FALCO_INC ?= /usr/include/falcosecurity-libs
BPF_ARCH_INC ?= /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)

BPF_SOURCES := $(wildcard $(BPF_DIR)/*.bpf.c) $(wildcard $(BPF_DIR)/*.h)
BPF_OBJ := $(BPF_OUT)/probe.bpf.o
BPF_SKEL := $(BPF_OUT)/probe.skel.h
BPF_INCLUDES := -I$(BPF_OUT) -I$(BPF_DIR)
BPF_LIBS := -lbpf -lelf -lz

# The 2022 event table's header (ppm_events_public.h) comes after the system headers so that
# libbpf's bpf/bpf_helpers.h wins over the legacy driver's file of the same name.
BPF_CFLAGS := -target bpf -g -O2 -D__KERNEL__ -D__TARGET_ARCH_x86 -Wall -Wno-unused-function \
	-I$(BPF_ARCH_INC) -idirafter $(FALCO_INC)/driver

$(BPF_OBJ): $(BPF_SOURCES) $(BPF_DIR)/bpf.mk
	@mkdir -p $(BPF_OUT)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $(BPF_DIR)/probe.bpf.c -o $@.tmp
	@mv -f $@.tmp $@

$(BPF_SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name probe_bpf > $@.tmp
	@mv -f $@.tmp $@

.DEFAULT_GOAL := $(BPF_SAVED_GOAL)
