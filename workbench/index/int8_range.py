"""Which int8 range the ONNX export quantizes weights to on this CPU: full where int8 products are exact, else reduced.

onnxruntime multiplies uint8 activations by int8 weights. On x86 CPUs without VNNI instructions
that product goes through an instruction (pmaddubsw) whose 16-bit sums saturate, so weights are
kept to 7 bits there ("reduced range"). With VNNI (AVX512-VNNI, AVX-VNNI, AMX) and on ARM the sums
are exact and the full 8 bits keep more of the model: on the sample library the full range agrees
with torch at mean cosine 0.9937 against 0.9915, at the same speed (bench/README.md, "Index").
"""

from __future__ import annotations

import functools
import platform
from pathlib import Path

FULL_RANGE = "int8 full range"
REDUCED_RANGE = "int8 reduced range"
# The x86 feature flags (as /proc/cpuinfo spells them) under which onnxruntime's int8 kernels do not saturate.
EXACT_INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
ARM_MACHINES = frozenset({"aarch64", "arm64"})


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The feature flags named on the 'flags' lines of a /proc/cpuinfo text."""
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            flags.update(value.split())
    return frozenset(flags)


def range_for(machine: str, flags: frozenset[str]) -> str:
    """The int8 range for a CPU architecture and its flags; reduced whenever exactness is not known."""
    if machine.lower() in ARM_MACHINES:
        return FULL_RANGE
    return FULL_RANGE if flags & EXACT_INT8_FLAGS else REDUCED_RANGE


@functools.cache
def this_machine() -> str:
    """The int8 range for the CPU this process runs on (flags read once from /proc/cpuinfo, where there is one)."""
    try:
        flags = cpu_flags(Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace"))
    except OSError:  # not Linux: the flags are not known, so the safe range
        flags = frozenset()
    return range_for(platform.machine(), flags)
