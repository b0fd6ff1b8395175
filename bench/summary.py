"""The readable side of `make bench`: bench/results/summary.md, written from the same figures as results.json."""


def _row(cells) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _table(header: list[str], rows: list[list]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(row) for row in rows), ""]


# Rehandles per retrieval at most a tenth of the lowest-stack-first baseline's on the same flow (issue #20's aim).
QUALITY_AIM_OVER_LOWEST = 0.1


def _pass(value, target, *, below: bool = True) -> str:
    if value is None:
        return "n/a"
    ok = value <= target if below else value >= target
    return "met" if ok else "MISSED"


def dispatch_line(dispatch: dict) -> str:
    keys = [key for key in dispatch if not isinstance(dispatch[key], list | dict)]
    return "; ".join(f"{key.replace('_', ' ')} {dispatch[key]}" for key in keys)


def scanner_lines(scanner: dict) -> list[str]:
    """Latency by request type for the paced and saturated runs, the floor, and the targets."""
    rows = []
    for run_name, run in scanner.items():
        parts = [("scan", run.get("scan", {}))]
        if "floor" in run:
            parts.append(("floor", run["floor"]))
        for part_name, part in parts:
            for what, latency in part.get("latency", {}).items():
                if "_" in what:
                    continue  # completions by kind are in results.json
                rows.append([
                    run_name, part_name, what, latency.get("count"), latency.get("p50_ms"), latency.get("p95_ms"),
                    latency.get("p99_ms"), part.get("requests_per_s"), part.get("error_count"),
                ])  # fmt: skip
    lines = _table(["run", "endpoint", "request", "n", "p50 ms", "p95 ms", "p99 ms", "req/s", "errors"], rows)
    paced, saturated = scanner.get("paced_ten_times_peak", {}), scanner.get("saturated", {})
    if paced:
        target = paced["targets"]
        lines.append(
            f"- Ten times the design peak ({paced['config']['rate_per_s']} scan flows/s): worst p99 "
            f"{target['p99_ms_worst_request_type']} ms against {target['p99_target_ms']} ms: "
            f"{'met' if target.get('p99_met') else 'MISSED'}."
        )
    if saturated.get("targets", {}).get("floor_requests_per_s"):
        target = saturated["targets"]
        lines.append(
            f"- Saturated: {target['scan_writes_per_s']} scan writes/s against the bare-DRF floor's "
            f"{target['floor_requests_per_s']} req/s: ratio {target['scan_write_over_floor']} (target "
            f"{target['ratio_target']}: {'met' if target['ratio_met'] else 'MISSED'}); by CPU per request "
            f"{target.get('scan_write_over_floor_by_cpu')}."
        )
    for run in (paced, saturated):
        if run.get("queries_per_request"):
            queries = run["queries_per_request"]
            lines.append(
                f"- Queries per request: look-up {queries.get('lookup')}, completion {queries.get('complete')}, "
                f"floor {queries.get('floor')}; the same before and after the run: {queries.get('constant')}."
            )
            break
    if durability := paced.get("config", {}).get("database_durability"):
        lines.append(
            "- Timed with "
            + ", ".join(f"{name} {value}" for name, value in sorted(durability.items()))
            + f"; before the paced run the database settled for {paced['config']['database_settle']['seconds']} s "
            "(a checkpoint, no autovacuum running)."
        )
    lines.append("")
    return lines


def handheld_lines(handheld: dict) -> list[str]:
    """The handheld client in Chromium: cold-start weight by type, and scan-to-answer time by background load."""
    cold = handheld["cold_start"]
    kinds = ", ".join(f"{kind} {row['bytes']:,} ({row['requests']})" for kind, row in cold["by_type"].items())
    worker, later = cold["by_requester"]["service worker"], cold["after_log_in_shown"]
    lines = [
        "## Handheld client (/hh/) in Chromium at 360 x 640",
        "",
        f"Cold start until the log-in screen: {cold['bytes']:,} bytes transferred in {cold['requests']} requests "
        f"(aim < {cold['aim_bytes']:,}: {'met' if cold['aim_met'] else 'MISSED'}); by type, bytes (requests): "
        f"{kinds}. Of these, the service worker (its script, its copies for offline use): {worker['bytes']:,} bytes in "
        f"{worker['requests']} requests ({cold['from_cache']} answered from the browser's cache). The screen showed "
        f"after {cold['ms_to_log_in_screen']} ms; then, until the network went quiet, {later['bytes']:,} bytes in "
        f"{later['requests']} requests.",
        "",
    ]
    labels = {"unloaded": "unloaded", "ten_times_design_peak": "ten times the design peak"}
    rows = []
    for name, run in handheld["scan_answer"]["runs"].items():
        latency, background = run["latency"], run.get("background")
        rows.append([
            labels.get(name, name), latency["count"], latency["median_ms"], latency["p90_ms"], latency["max_ms"],
            f"< {run['aim_ms']}: {'met' if run['aim_met'] else 'MISSED'}",
            f"{background['flows']} flows at {background['flows_per_s']}/s, {background['error_count']} errors"
            if background else "none",
        ])  # fmt: skip
    lines += [
        "Scan to answer: from the position's Enter until the answer is shown (the next move on screen), a driver "
        "working one machine's queue through the page:",
        "",
        *_table(["background load", "scans", "median ms", "p90 ms", "max ms", "aim (p90)", "API scan flows"], rows),
    ]
    replay = handheld.get("replay_after_outage")
    if replay:
        database = replay["database"]
        lines += [
            "",
            f"Replay after an outage: {replay['scans']} scans made offline were sent in {replay['seconds']} s once "
            f"the network returned ({replay['scans_per_s']} scans/s); {replay['refused']} refused, "
            f"{database['done']} done, {database['done_more_than_once']} done more than once.",
            "",
        ]
    return lines


def speed_lines(results: dict) -> list[str]:
    """The three speed aims of the terminal's own work, each figure beside its aim (aims are for two cores)."""
    rows = []
    speed = results.get("allocation_speed")
    if speed:
        ours, lowest, aim = speed["rehandle"], speed["lowest"], speed["aim_ms_per_box"]
        for label, key in [
            ("gate-in, one box", "single_ms_per_box_median"),
            ("within a list", "list_ms_per_box_median"),
        ]:
            rows.append([
                f"allocation ms per box, {label} (median)", ours[key], f"≤ {aim}", _pass(ours[key], aim),
                f"`lowest` baseline {lowest[key]}",
            ])  # fmt: skip
    lists = [
        ("near-empty yard", results.get("train_list_import", {}).get("57_wagons")),
        ("simulated yard", (speed or {}).get("train_list_57_wagons")),
    ]
    for where, row in lists:
        if row:
            rows.append([
                f"57-wagon list ({row['containers']} boxes), {where}, s (median)", row["seconds"],
                f"≤ {row['aim_seconds']}", _pass(row["seconds"], row["aim_seconds"]), f"runs {row['seconds_all']}",
            ])  # fmt: skip
    day = (results.get("simulation") or {}).get("day_speed")
    if day:
        rows.append([
            "seconds per simulated day at 240,000 TEU a year (median)", day["seconds_per_day_median"],
            f"≤ {day['aim_seconds']}", _pass(day["seconds_per_day_median"], day["aim_seconds"]),
            f"days {results['simulation']['wall_seconds_by_day']}",
        ])  # fmt: skip
    if not rows:
        return []
    lines = ["## Speed against the aims (aims for two cores)", ""]
    lines += _table(["figure", "measured", "aim", "", "beside it"], rows)
    if speed:
        fill = speed["yard"]
        lines += [
            f"Allocation on the yard left by {speed['yard_filled_by']}: {fill['boxes']} boxes, ground slots "
            f"{fill['ground_slots']:.0%} used ({fill['full_blocks_ground_slots']:.0%} in the full blocks, "
            f"{speed['area_slots']} slots in the area searched), places {fill['places']:.0%}; full dry boxes, "
            f"{speed['rounds']} rounds of a {speed['boxes_per_list']}-box list and of "
            f"{speed['rehandle']['single_allocations'] // speed['rounds']} gate-ins, the `lowest` baseline "
            "interleaved (it ranks almost for free: the rest is reading and scanning the area).",
            "",
        ]
    return lines


def profile_lines(profile: dict) -> list[str]:
    rows = [[step["step"], step["seconds_per_day"], f"{step['share']:.0%}"] for step in profile["steps"]]
    rows.append(["the other steps", profile["rest_of_the_steps_seconds_per_day"], ""])
    rows.append(["the simulator itself (queue, samples, invariants)", profile["other_seconds_per_day"],
                 f"{profile['other_share']:.0%}"])  # fmt: skip
    return [
        "Where a simulated day's time goes (service steps, the drain after the last day included):",
        "",
        *_table(["step", "s per day", "share of wall time"], rows),
    ]


def summary_markdown(results: dict) -> str:
    """Figures with their targets; every number here is also in results.json."""
    machine = results["machine"]
    lines = [
        "# Aktau TOS benchmark",
        "",
        f"{results['mode']} run, {results['started_at']}, {results['total_seconds']:.0f} s in all.",
        f"Machine: {machine['cpus']} CPUs, {machine['memory_gib']} GiB, {machine['platform']}; "
        f"Python {machine['python']}; {machine['database']}. Figures are single runs unless a median is named; "
        "on a shared 2-core machine expect ±20 % between runs.",
        "",
    ]
    lines += speed_lines(results)
    if sim := results.get("simulation"):
        use = sim["utilisation"]
        lines += ["## Simulated traffic through the real services", ""]
        lines += [
            f"{sim['days']} days at {sim['teu_per_year']:,.0f} TEU a year "
            f"(seed {sim['seed']}, strategy {sim['strategy']}): "
            f"{sim['visits']} stays, {sim['teu_in']} TEU in, {sim['teu_out']} TEU out, {sim['moves']} moves "
            f"({sim['moves_per_container']} per container), {sim['rehandles_per_retrieval']} rehandles per retrieval, "
            f"ground slots used {use['ground_slots_mean']:.0%} on average and {use['ground_slots_peak']:.0%} at peak; "
            f"{sim['turned_away']} boxes turned away; {sim['wall_seconds']} s of wall time "
            f"(by day: {sim['wall_seconds_by_day']}).",
            f"Refusals by code: {sim['refusals'] or 'none'}.",
            "",
        ]
        if profile := sim.get("day_profile"):
            lines += profile_lines(profile)
    if quality := results.get("yard_quality"):
        lines += ["## Allocation against the baselines (same flow, rehandles per retrieved container)", ""]
        rows = []
        for name, row in quality["flows"].items():
            rows.append([
                name, row["rehandle"]["rehandles_per_retrieval"], row["random"]["rehandles_per_retrieval"],
                row["lowest"]["rehandles_per_retrieval"], row["ours_over_lowest"],
                _pass(row["ours_over_lowest"], QUALITY_AIM_OVER_LOWEST), row["rehandle"]["peak_fill"],
            ])  # fmt: skip
        header = [
            "flow",
            "ours",
            "random",
            "lowest stack",
            "ours / lowest",
            f"aim ≤ {QUALITY_AIM_OVER_LOWEST}",
            "peak fill",
        ]
        lines += _table(header, rows)
        lines += [quality["slice"], ""]
    if dg := results.get("dg_area"):
        lines += ["## The DG area against the traffic model's DG flow (docs/capacity.md)", ""]
        rows = [
            [f"{int(volume):,}", row["dg_boxes"], row["refused"], f"{row['peak_share_of_places']:.0%}"]
            for volume, row in dg["volumes"].items()
        ]
        lines += _table(["TEU a year", "DG boxes", "refused", "peak share of places"], rows)
        blocks = ", ".join(f"{code} {size}" for code, size in dg["blocks"].items())
        lines += [f"{dg['days']} days per seed on {blocks} ({dg['places']} places).", ""]
    for label, key in [("after one year", "year_1"), ("after the grown history", "grown")]:
        stage = results.get("history", {}).get(key)
        if not stage:
            continue
        lines += [f"## Scanner API and report {label} ({stage['history']['years']} years of history)", ""]
        history = stage["history"]
        lines += [
            f"History: {history.get('visits_loaded', 0):,} stays of synthetic history, "
            f"{history.get('moves_total', 0):,} moves in all, database {history.get('database_mib')} MiB; "
            "this stage loaded "
            f"{history.get('rows_added_total', 0):,} rows in {history.get('load_seconds')} s "
            f"({history.get('rows_per_second', 'n/a')} rows/s).",
            "",
        ]
        report = stage.get("report")
        if report:
            lines += [
                f"Nightly report: median {report['build_seconds_median']} s (target < 30 s after a year, "
                f"at most twice that after ten), peak Python memory {report['peak_python_mib']} MiB.",
                "",
            ]
        if dispatch := stage.get("dispatch"):
            lines += [f"Dispatch: {dispatch_line(dispatch)}", ""]
        if screens := stage.get("screens"):
            read = ", ".join(f"{name.removesuffix('_ms').replace('_', ' ')} {ms} ms" for name, ms in screens.items())
            lines += [f"Screens' reads (median): {read}.", ""]
        scanner = stage.get("scanner")
        if scanner:
            lines += scanner_lines(scanner)
    if handheld := results.get("handheld"):
        lines += handheld_lines(handheld)
    if growth := results.get("growth"):
        lines += ["## Growth", "", *(f"- {key.replace('_', ' ')}: {value}" for key, value in growth.items()), ""]
    if dispatch := results.get("dispatch"):
        lines += ["## Dispatch (2,000 planned moves, 20 machines, before history)", "", dispatch_line(dispatch), ""]
    if planner := results.get("relocation_planner"):
        totals = planner["relocations_total"]
        lines += [
            "## Relocation planner (BRP benchmark bays)",
            "",
            f"Mean gap to the optimum over {planner['proven_optimal_bays']} proven-optimal bays: "
            f"{planner['mean_gap_to_optimum_pct']} % (target ≤ 2 %: {_pass(planner['mean_gap_to_optimum_pct'], 2)}); "
            f"optimum hit on {planner['hit_optimum']}. Relocations over all {planner['bays']} bays: ours "
            f"{totals['ours']}, min-max heuristic {totals['minmax']}, best known {totals['best']}. "
            f"Time per bay: median {planner['ms_per_bay_median']} ms, max {planner['ms_per_bay_max']} ms.",
            "",
        ]
    if plans := results.get("train_load_plan"):
        lines += [
            "## Train load plans (57 wagons)",
            "",
            f"{sum(t['loaded_teu'] for t in plans['trains'])} of "
            f"{sum(t['length_capacity_teu'] for t in plans['trains'])} TEU places filled over "
            f"{len(plans['trains'])} trains ({plans['teu_of_bound']:.1%} of the solver's TEU bound); proven optimal: "
            f"{plans['proven_optimal']} of {len(plans['trains'])}; "
            f"worst gap to the solver's bound {plans['worst_gap_pct']} % (target ≤ 3 %); "
            f"planning time median {plans['seconds_median']} s, max {plans['seconds_max']} s.",
            "",
        ]
    if stowage := results.get("stowage_plan"):
        lines += ["## Vessel stowage plans", ""]
        rows = [
            [name, f"{row['boxes']} on {row['ship_teu']} TEU", row["placed"], row["bound"], row["gap_pct"],
             row["rehandles_planned"], row["rehandles_list_order"], row["seconds_median"]]
            for name, row in stowage.items()
        ]  # fmt: skip
        lines += _table(
            ["call", "boxes", "on board", "bound", "gap %", "rehandles planned", "rehandles in list order", "s"], rows
        )
        if vessel := stowage.get("vessel"):
            lines += [
                f"700-TEU vessel within 3 % of the bound in under 30 s: {'met' if vessel['target_met'] else 'MISSED'}.",
                "",
            ]
    if edi := results.get("edi_bay_plan"):
        lines += ["## EDI: a full feeder's bay plan through the inbox", ""]
        lines += [
            f"BAPLIE of {edi['boxes']} boxes ({edi['bytes']:,} bytes, {edi['segments']:,} segments): read in "
            f"{edi['read_seconds']} s ({_pass(edi['read_seconds'], 1.0)}, aim < 1 s), applied in "
            f"{edi['apply_seconds']} s ({_pass(edi['apply_seconds'], 5.0)}, aim < 5 s): {edi['discharge_moves']} "
            f"discharge moves to allocated slots, {edi['through']} through, {edi['problems']} problems; the same "
            f"boxes all through cargo (no allocation) applied in {edi.get('through_only_apply_seconds')} s. "
            f"Written: COARRI of {edi.get('coarri_boxes')} discharges in {edi.get('coarri_seconds')} s, departure "
            f"BAPLIE of {edi.get('departure_baplie_boxes')} boxes in {edi.get('departure_baplie_seconds')} s.",
            "",
        ]
    if imports := results.get("train_list_import"):
        lines += ["## Train list import through the service", ""]
        lines += _table(
            ["list", "containers", "seconds", "ms per container", "runs (s)"],
            [
                [name, row["containers"], row["seconds"], row["ms_per_container"], row.get("seconds_all", "")]
                for name, row in imports.items()
            ],
        )
    lines += ["## Sections", ""]
    lines += _table(["section", "seconds"], [[name, seconds] for name, seconds in results["section_seconds"].items()])
    return "\n".join(lines)
