"""Runs every bench/bench_*.py `run()` (or those named on the command line) and prints their numbers as JSON."""
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names) -> int:
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if names:
        modules = [m for m in modules if any(n in m for n in names)]
    results, failed = {}, []
    for name in modules:
        print(f"== {name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            results[name] = importlib.import_module(f"bench.{name}").run()
        except Exception:  # one broken benchmark must not hide the others' numbers
            traceback.print_exc()
            failed.append(name)
            continue
        results[name]["bench_seconds"] = round(time.perf_counter() - started, 1)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    text = json.dumps(results, ensure_ascii=False, indent=2)
    (out / "latest.json").write_text(text + "\n", encoding="utf-8")
    print(text)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
