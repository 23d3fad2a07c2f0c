"""Every benchmark, one table: runs the scripts of benchmarks/ (each in its own single-threaded
interpreter, two at a time on 2 cores, as `make bench` sizes them, or small with --smoke), collects
the figures each writes with --json into `.bench/<date>.json` (with the machine, versions, load and
every script's wall and CPU time), and prints one table: figure, value, baseline, ratio, moto's
share. Each script's own output goes to `.bench/<date>-<script>.log`.

    python benchmarks/report.py            # make bench: the full sizes, two scripts at a time on 2 cores
    python benchmarks/report.py --smoke    # make bench-smoke: the same table at small sizes (1-2 min)
    python benchmarks/report.py --readme   # and the table into the README's "## Benchmarks"
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent

# (script, full-size arguments, smoke arguments): what `make bench` and `make bench-smoke` run.
SCRIPTS: list[tuple[str, list[str], list[str]]] = [
    (
        "lookup",
        ["--sizes", "1000,100000", "--requests", "2000", "--cold-runs", "5", "--function-runs", "3"],
        ["--sizes", "200,1000", "--requests", "100", "--cold-runs", "2", "--function-runs", "1"],
    ),
    ("events", ["--calls", "200"], ["--calls", "30"]),
    ("utm", ["--items", "1000"], ["--items", "20", "--runs", "2"]),
    ("imports", ["--rows", "10000", "--baseline-rows", "1000"], ["--rows", "150"]),
    ("sync", ["--rows", "10000"], ["--rows", "100"]),
    ("campaigns", ["--sizes", "10000,100000"], ["--sizes", "100,200", "--page-records", "100"]),
]
# The order the scripts start in: the longest first, so two at a time end close together.
LONGEST_FIRST = ["sync", "imports", "lookup", "campaigns", "events", "utm"]
README_START = "<!-- bench-report:start -->"
README_END = "<!-- bench-report:end -->"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor() or "unknown",
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor() or "unknown"
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "moto": metadata.version("moto"),
        "boto3": metadata.version("boto3"),
        "platform": platform.platform(),
    }


def run_script(name: str, args: list[str], out: Path, stamp: str) -> dict[str, Any]:
    """One script in a fresh interpreter; its JSON document, with the wall and CPU time it took and
    the load average around it."""
    figures_path = out / f"{stamp}-{name}.figures.json"
    log_path = out / f"{stamp}-{name}.log"
    command = [sys.executable, str(HERE / f"{name}.py"), *args, "--json", str(figures_path)]
    load_before = os.getloadavg()
    started = time.perf_counter()
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        # wait4: this script's own CPU time (with its children's), whatever else runs beside it.
        _, status, usage = os.wait4(process.pid, 0)
    wall_s = time.perf_counter() - started
    cpu_s = usage.ru_utime + usage.ru_stime
    exit_code = os.waitstatus_to_exitcode(status)
    run = {"command": " ".join(["python", f"benchmarks/{name}.py", *args]), "exit": exit_code}
    run |= {"wall_s": wall_s, "cpu_s": cpu_s, "load_before": load_before, "load_after": os.getloadavg()}
    if exit_code != 0 or not figures_path.exists():
        print(f"benchmarks/{name}.py failed ({exit_code}); its output: {log_path}", file=sys.stderr)
        print(log_path.read_text()[-3000:], file=sys.stderr)
        return run | {"figures": []}
    document = json.loads(figures_path.read_text())
    figures_path.unlink()
    print(f"{name}: {wall_s:.0f} s wall, {cpu_s:.0f} s CPU", file=sys.stderr)
    # The runner's wall and CPU time (the script's children included) over the script's own.
    return document | run


def number(value: float) -> str:
    """Three significant figures or so, thousands grouped."""
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}" if size >= 0.01 else f"{value:.2g}"


def with_unit(value: float, unit: str) -> str:
    return f"{number(value)} {unit}".strip()


def table(report: dict[str, Any]) -> str:
    """The markdown table of every figure, and the lines saying what it was measured on."""
    lines = [
        "| figure | value | baseline (same run) | ratio | moto's share of CPU |",
        "|---|---:|---|---:|---:|",
    ]
    for run in report["runs"]:
        for figure in run["figures"]:
            value = with_unit(figure["value"], figure["unit"])
            if figure.get("cpu") is not None:
                value += f" (CPU {number(figure['cpu'])})"
            if figure.get("per"):
                value += f" per {figure['per']}"
            baseline = figure.get("baseline") or ""
            if baseline and figure.get("baseline_value") is not None:
                baseline += f": {with_unit(figure['baseline_value'], figure['unit'])}"
                if figure.get("baseline_cpu") is not None:
                    baseline += f" (CPU {number(figure['baseline_cpu'])})"
            ratio = f"{figure['ratio']:.2f}x" if figure.get("ratio") is not None else ""
            if figure.get("cpu_ratio") is not None:
                ratio += f" (CPU {figure['cpu_ratio']:.2f}x)"
            moto = f"{figure['moto_share']:.0%}" if figure.get("moto_share") is not None else ""
            name = figure["name"] + (f" ({figure['note']})" if figure.get("note") else "")
            lines.append(f"| {name} | {value} | {baseline} | {ratio} | {moto} |")
    m = report["machine"]
    loads = [load for run in report["runs"] for load in (run["load_before"][0], run["load_after"][0])]
    lines += [
        "",
        f"{report['date']}: {m['cpus']} cores"
        f" ({m['cpu_model']}), Python {m['python']}, moto {m['moto']}, boto3 {m['boto3']};"
        f" {report['wall_s'] / 60:.1f} min wall ({report.get('jobs', 1)} scripts at a time),"
        f" {report['cpu_s'] / 60:.1f} min CPU;"
        f" 1-minute load average {min(loads):.1f}-{max(loads):.1f} during the run.",
        "moto as benchmarked (benchmarks/instruments.py, hubtools/moto_atomic.py): requests serialized; "
        + "; ".join(dict.fromkeys(p for run in report["runs"] for p in run.get("moto_patches", [])))
        + ".",
        "Per script (its arguments: wall / CPU, children included): "
        + "; ".join(
            f"{run['command'].removeprefix('python benchmarks/')}: {run['wall_s']:.0f} / {run['cpu_s']:.0f} s"
            for run in report["runs"]
        )
        + ".",
    ]
    return "\n".join(lines)


def merged(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Reports of different scripts as one, the scripts in SCRIPTS' order (times: their sums); of a
    script run more than once, the last run that wrote figures."""
    order = [name for name, *_ in SCRIPTS]
    latest = {run["name"]: run for report in reports for run in report["runs"] if run["figures"]}
    runs = sorted(latest.values(), key=lambda r: order.index(r["name"]))
    first = reports[0]
    return first | {
        "jobs": "several reports'",
        "runs": runs,
        "wall_s": sum(run["wall_s"] for run in runs),
        "cpu_s": sum(run["cpu_s"] for run in runs),
    }


def write_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text()
    start, end = content.index(README_START), content.index(README_END)
    readme.write_text(content[: start + len(README_START)] + "\n" + text + "\n" + content[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes (make bench-smoke)")
    parser.add_argument("--only", help="comma-separated scripts (default: all)")
    parser.add_argument("--out", default=str(ROOT / ".bench"), help="where the JSON and logs go")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="scripts run at once (default: 2, or 1 on one core; each script is single-threaded)",
    )
    parser.add_argument(
        "--sizes",
        metavar="SCRIPT=ARGS",
        action="append",
        default=[],
        help="other arguments for one script, e.g. --sizes 'sync=--rows 2000' (repeatable)",
    )
    parser.add_argument(
        "--table", metavar="JSON", nargs="+", help="print the table of reports already written (merged)"
    )
    args = parser.parse_args()
    if args.table:
        text = table(merged([json.loads(Path(path).read_text()) for path in args.table]))
        print(text)
        if args.readme:
            write_readme(text)
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y-%m-%d") + ("-smoke" if args.smoke else "")
    chosen = set(args.only.split(",")) if args.only else {name for name, *_ in SCRIPTS}
    wall_started = time.perf_counter()
    path = out / f"{stamp}.json"
    report: dict[str, Any] = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "smoke": args.smoke,
        "jobs": args.jobs,
        "machine": machine(),
        "runs": [],
    }
    sizes = {name: shlex.split(rest) for name, _, rest in (size.partition("=") for size in args.sizes)}
    order = [name for name, *_ in SCRIPTS]
    lock = threading.Lock()

    def run(name: str, full: list[str], smoke: list[str]) -> None:
        result = {
            "name": name,
            **run_script(name, sizes.get(name, smoke if args.smoke else full), out, stamp),
        }
        with lock:  # written after every script: a run cut short keeps what it measured
            report["runs"] = sorted([*report["runs"], result], key=lambda r: order.index(r["name"]))
            report["wall_s"] = time.perf_counter() - wall_started
            report["cpu_s"] = sum(r["cpu_s"] for r in report["runs"])
            path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")

    # `--jobs` scripts at a time, the longest first (SCRIPTS lists them in the table's order).
    todo = sorted((s for s in SCRIPTS if s[0] in chosen), key=lambda s: LONGEST_FIRST.index(s[0]))
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for future in [pool.submit(run, *script) for script in todo]:
            future.result()
    runs = report["runs"]
    text = table(report)
    print(text)
    print(f"\n(JSON: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path})")
    if args.readme:
        write_readme(text)
    if failed := [run["name"] for run in runs if run["exit"] != 0 or not run["figures"]]:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
