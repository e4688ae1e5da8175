"""How long one analysis of each shared test image takes, and the peak memory it needs.

Run: `.venv/bin/python benchmarks/analyze_images.py [--repeat N]`. Each image is analyzed in
a fresh subprocess so that its peak resident memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LADING_SHARED", ROOT.parent / "shared")).resolve()
IMAGES = ["debian-base", "debian-python", "secrets", "node-app", "java-app", "go-app"]


def measure_one(image: str) -> dict[str, float]:
    """Analyze one image in this process and report seconds and peak RSS in MiB."""
    from analysis.analyze import analyze
    from analysis.reference import parse_reference

    started = time.perf_counter()
    sbom = analyze(parse_reference(f"oci-dir:{SHARED / 'images' / 'oci' / image}"))
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mib": peak_mib, "packages": len(sbom.packages)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print("| image | packages | median seconds | peak RSS MiB |")
    print("| --- | --- | --- | --- |")
    for image in IMAGES:
        runs = [
            json.loads(
                subprocess.run(
                    [sys.executable, __file__, "--one", image],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            for _ in range(args.repeat)
        ]
        seconds = statistics.median(run["seconds"] for run in runs)
        peak = max(run["peak_mib"] for run in runs)
        print(f"| {image} | {runs[0]['packages']:.0f} | {seconds:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
