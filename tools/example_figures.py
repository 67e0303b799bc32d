#!/usr/bin/env python3
"""Reruns every example at its full defaults and rewrites the figures of README.md's examples table.

    python3 tools/example_figures.py [--build build] [--seeds 5] [--only digits,sunspots] [--dry-run]

The bold figure in each row's loom column is the default run's (seed 0), which ctest's
examples_full label holds the example to (examples/check_claim.cmake); the statistical examples
also show the median and range over seeds 0..N-1, so that a default that happens to sit in a
tail is seen. CPU seconds are user + system of the default run.
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, env=None):
    """Runs cmd; returns (the final: line as a dict, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"example_figures: {' '.join(cmd)} exited with {p.returncode}:\n{p.stderr}")
    finals = [l for l in p.stdout.splitlines() if l.startswith("final:")]
    if not finals:
        sys.exit(f"example_figures: no final: line from {' '.join(cmd)}")
    fields = dict(kv.split("=", 1) for kv in finals[-1].split()[1:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {k: float(v) for k, v in fields.items()}, cpu


def pct(x):
    return f"{100 * x:.1f}%"


def seeds_note(values, fmt):
    return f"seed 0; seeds 0-{len(values) - 1}: median {fmt(statistics.median(values))}, " \
           f"{fmt(min(values))}-{fmt(max(values))}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()
    only = set(filter(None, a.only.split(",")))
    out = tempfile.mkdtemp(prefix="loom_example_figures_")
    exe = lambda name: os.path.join(a.build, "examples", name, name)
    mpi_env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")

    def seeded(name, metric):
        runs = [run([exe(name), "--seed", str(s), "--out", f"{out}/{name}{s}"]) for s in range(a.seeds)]
        return runs[0][0], [r[0][metric] for r in runs], runs[0][1]

    rows = {}
    if not only or "sunspots" in only:
        f, v, cpu = seeded("sunspots", "test_rmse")
        fmt = lambda x: f"{x:.2f}"
        rows["sunspots"] = (f"AR(9) RMSE **{f['ar9_rmse']:.2f}**",
                            f"RMSE **{fmt(v[0])}** ({seeds_note(v, fmt)}), {cpu:.1f} s CPU")
    if not only or "digits" in only:
        f, v, cpu = seeded("digits", "test_accuracy")
        rows["digits"] = ("1-NN **95.6%**", f"**{pct(v[0])}** test accuracy ({seeds_note(v, pct)}), {cpu:.0f} s CPU")
    if not only or "char_lm" in only:
        f, v, cpu = seeded("char_lm", "test_nats_per_char")
        fmt = lambda x: f"{x:.3f}"
        rows["char_lm"] = ("5-gram **1.568** nats/char",
                           f"**{fmt(v[0])}** nats/char held out ({seeds_note(v, fmt)}), {cpu:.0f} s CPU")
    if not only or "custom_layer" in only:
        f, cpu = run([exe("custom_layer"), "--out", f"{out}/custom_layer"])
        rows["custom_layer"] = ("gradcheck bound **1e-6**",
                                f"max rel. error **{f['gradcheck_max_rel_error']:.1e}**, {pct(f['test_accuracy'])} "
                                f"test accuracy, {cpu:.1f} s CPU")
    if not only or "deploy_onnx" in only:
        f, cpu = run([exe("deploy_onnx"), "--out", f"{out}/deploy_onnx"])
        rows["deploy_onnx"] = (f"loom's own predictions **{pct(f['loom_test_accuracy'])}**",
                               f"ONNX Runtime **{pct(f['test_accuracy'])}** test accuracy, "
                               f"{f['classes_differing']:.0f} classes differ, {cpu:.1f} s CPU")
    if not only or "distributed" in only:
        one, _ = run([exe("distributed"), "--out", f"{out}/distributed1"])
        launcher = os.path.join(a.build, "examples", "distributed_2_ranks.sh")
        two, _ = run(["sh", launcher, "--out", f"{out}/distributed2"] if os.path.exists(launcher)
                     else [exe("distributed"), "--out", f"{out}/distributed2"], env=mpi_env)
        rows["distributed"] = (f"1 process, same run: **{pct(one['test_accuracy'])}**",
                               f"**{pct(two['test_accuracy'])}** test accuracy on {two.get('ranks', 1):.0f} ranks; "
                               f"fit 1.77 s wall on 2 ranks vs 2.89 s on 1 ([docs/distributed.md](docs/distributed.md))")

    path = os.path.join(ROOT, "README.md")
    text = open(path).read().splitlines(keepends=True)
    for name, (baseline, loom) in rows.items():
        for i, line in enumerate(text):
            if line.startswith(f"| `examples/{name}` |"):
                cells = line.rstrip("\n").split("|")
                cells[3], cells[4] = f" {baseline} ", f" {loom} "
                text[i] = "|".join(cells) + "\n"
                print(text[i], end="")
                break
        else:
            sys.exit(f"example_figures: README.md has no row for examples/{name}")
    if not a.dry_run:
        open(path, "w").write("".join(text))


if __name__ == "__main__":
    main()
