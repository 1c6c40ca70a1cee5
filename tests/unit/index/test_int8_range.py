"""The int8 range the ONNX export picks from the CPU's architecture and feature flags."""

from __future__ import annotations

from workbench.index.int8_range import FULL_RANGE, REDUCED_RANGE, cpu_flags, range_for

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
flags\t\t: fpu sse2 avx2 avx512f avx512bw {extra}
bugs\t\t: sysret_ss_attrs spectre_v1

processor\t: 1
flags\t\t: fpu sse2 avx2 avx512f avx512bw {extra}
"""


def test_the_flags_come_from_the_flags_lines_only():
    flags = cpu_flags(CPUINFO.format(extra="avx512_vnni"))

    assert flags == frozenset({"fpu", "sse2", "avx2", "avx512f", "avx512bw", "avx512_vnni"})
    assert cpu_flags("") == frozenset()


def test_x86_with_vnni_takes_the_full_range_and_without_it_the_reduced_one():
    assert range_for("x86_64", cpu_flags(CPUINFO.format(extra="avx512_vnni"))) == FULL_RANGE
    assert range_for("x86_64", cpu_flags(CPUINFO.format(extra="avx_vnni"))) == FULL_RANGE
    assert range_for("x86_64", cpu_flags(CPUINFO.format(extra="amx_int8"))) == FULL_RANGE
    # AVX-512 alone still multiplies through the saturating 16-bit instruction.
    assert range_for("x86_64", cpu_flags(CPUINFO.format(extra="avx512_bf16"))) == REDUCED_RANGE
    assert range_for("x86_64", frozenset()) == REDUCED_RANGE


def test_arm_takes_the_full_range_and_an_unknown_machine_the_safe_one():
    assert range_for("aarch64", frozenset()) == FULL_RANGE
    assert range_for("arm64", frozenset()) == FULL_RANGE
    assert range_for("", frozenset()) == REDUCED_RANGE
