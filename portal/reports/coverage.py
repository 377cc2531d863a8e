"""Coverage of targets: program targets due in the range (or with no due date) and their
gaps, from the recruiting targets' `target_gaps`."""

from __future__ import annotations

import functools

from portal.reports import charts
from portal.reports.params import REPORTS, Params, Report


def coverage(params: Params) -> Report:
    from portal.recruiting.targets import target_gaps, target_label

    table = []
    for gap in target_gaps():
        target = gap.target
        if target.due_on is not None and not params.start <= target.due_on <= params.end:
            continue
        if any(
            params.filters.get(name) and getattr(target, name) != params.filters[name]
            for name in ("segment", "region")
        ):
            continue
        table.append(
            [
                target_label(target),
                target.due_on.isoformat() if target.due_on else "",
                target.target_count,
                gap.active,
                gap.gap,
                gap.nominated,
            ]
        )
    chart = functools.partial(
        charts.bar,
        "Active advocates against each target",
        [f"#{i + 1}" for i in range(len(table))],
        {"Active": [row[3] for row in table], "Gap": [row[4] for row in table]},
        stacked=True,
        horizontal=True,
    )
    figures = {
        "targets": len(table),
        "targets_met": sum(1 for row in table if row[4] == 0),
        "total_gap": sum(row[4] for row in table),
    }
    return Report(
        "coverage",
        REPORTS["coverage"],
        params,
        ["Target", "Due", "Target count", "Active advocates", "Gap", "In the pipeline"],
        table,
        figures,
        chart,
        notes="Targets due in the range, or with no due date; the chart numbers them as the table.",
    )
