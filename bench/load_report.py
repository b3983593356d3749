"""The load benchmark's table and ratios (bench/load.py)."""


def _row(results, **match):
    return [r for r in results if all(r[k] == v for k, v in match.items())]


def print_report(report: dict) -> None:
    results = report["results"]
    print()
    print(f"cases in the database: {report['cases']:,}; seeding: {report['seed_seconds']}")
    print()
    print("In-process census (DRF test client, no server; mean per request):")
    print()
    print("| request | queries | SQL ms | CPU ms | wall ms |")
    print("|---|---:|---:|---:|---:|")
    for name, item in report["census"].items():
        print(
            f"| {name} | {item['queries']} | {item['sql_ms']:.1f} | {item['cpu_ms']:.1f} "
            f"| {item['wall_ms']:.1f} |"
        )
    census = report["census"]
    print(
        f"\nCPU per request, floor / API: intake "
        f"{census['intake_floor']['cpu_ms'] / census['intake_api']['cpu_ms']:.2f}, list "
        f"{census['list_floor']['cpu_ms'] / census['list_api']['cpu_ms']:.2f}"
    )
    print()
    print(
        "| server | rep | phase | clients | request | req/s | p50 ms | p95 ms | p99 ms | n "
        "| errors | load |"
    )
    print("|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['server']} | {r['repeat']} | {r['phase']} | {r['clients']} | {r['request']} "
            f"| {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['n']} "
            f"| {r['errors']} | {r['load_before']:.1f} |"
        )
    print()
    print(
        "| server | rep | intake req/s API / floor | intake p99 API | list p95 API c1 / c8 "
        "| list p95 floor c1 / c8 | mixed (ytd) intake p99 | mixed (rollup) intake p99 "
        "| isolated intake p99 |"
    )
    print("|---|---:|---|---:|---|---|---|---|---|")
    servers = list(dict.fromkeys(r["server"] for r in results))
    for server in servers:
        repeats = sorted({r["repeat"] for r in results if r["server"] == server})
        for rep in repeats:

            def one(phase, request, server=server, rep=rep):
                rows = _row(results, server=server, repeat=rep, phase=phase, request=request)
                return rows[0] if rows else None

            api, floor = one("intake_api", "intake_api"), one("intake_floor", "intake_floor")
            l1, l8 = one("list_api_c1", "list_api"), one("list_api_c8", "list_api")
            f1, f8 = one("list_floor_c1", "list_floor"), one("list_floor_c8", "list_floor")

            def degrade(phase, api=api, one=one):
                row = one(phase, "intake_api")
                if not row or not api:
                    return "–"
                change = 100 * (row["p99"] / api["p99"] - 1)
                return f"{row['p99']:.0f} ({change:+.0f} %, n={row['n']})"

            def p95(row):
                return f"{row['p95']:.0f}" if row else "–"

            ratio = (
                f"{api['rps'] / floor['rps']:.2f} ({api['rps']:.1f} / {floor['rps']:.1f})"
                if api and floor
                else "–"
            )
            print(
                f"| {server} | {rep} | {ratio} | {api['p99'] if api else float('nan'):.0f} "
                f"| {p95(l1)} / {p95(l8)} "
                f"| {p95(f1)} / {p95(f8)} | {degrade('mixed')} | {degrade('mixed_rollup')} "
                f"| {degrade('mixed_isolated')} |"
            )
    for name, lines in (report.get("profiles") or {}).items():
        print(f"\nprofile {name} (py-spy --gil: Python on CPU in the gunicorn workers):")
        for line in lines:
            print("  " + line)
    print(f"\ntotal {report['total_seconds']:.0f} s")
