"""bench/pages.py's table: ratios against the references of the same round, targets met or missed."""

import os
import time

from bench import cpu, pages


def results_for(plan, cpu_ms):
    """Two rounds; in the second every figure doubles, as on a machine that got busier."""
    return {
        (name, server): [(r, 100.0, 5.0, 9.0, cpu_ms[(name, server)] * (r + 1)) for r in range(2)]
        for name, server, _ in plan
    }


def test_ratios_are_per_round_and_each_target_is_judged():
    plan = pages.targets(1000)
    cpu_ms = {(name, server): 1.0 for name, server, _ in plan}
    cpu_ms.update({
        (pages.PLAIN, "reference"): 4.0,
        ("feed page 1", "uncached"): 11.0,  # ≤ 12×: met
        ("article", "uncached"): 13.0,  # missed
        ("search 注意力", "uncached"): 24.0,  # ≤ 25×: met
        ("tag page", "cached"): 1.5,  # 0.67 of the fixed page's speed: missed
    })  # fmt: skip
    table = pages.report(1000, None, plan, results_for(plan, cpu_ms), time.monotonic())
    rows = {tuple(cell.strip() for cell in line.split("|")[1:3]): line for line in table.splitlines()}
    assert "| 11.0× | 2.75× | ≤ 12× | met |" in rows[("feed page 1", "off")]
    assert "| 13.0× |" in rows[("article", "off")] and "**missed**" in rows[("article", "off")]
    assert "≤ 25× | met" in rows[("search 注意力", "off")]
    assert "(0.67) | **missed**" in rows[("tag page", "on")]
    assert "(1.00) | met" in rows[("feed page 1", "on")]
    assert "feed page 50 at most 3 × page 1 (uncached CPU): 0.1×" in table


def test_the_cpu_of_a_process_and_its_children_is_counted():
    before = cpu.tree_seconds(os.getpid())
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    assert cpu.tree_seconds(os.getpid()) - before >= 0.2


def test_the_references_run_none_of_the_sites_code():
    from bench import reference_settings, reference_urls

    served = {path for _name, server, path in pages.targets(10) if server == "reference"}
    assert served == {"/bench/fixed/", "/bench/plain-template/"} and pages.HEALTH["reference"] in served
    for entry in reference_settings.MIDDLEWARE + reference_settings.INSTALLED_APPS:
        assert entry.startswith("django."), entry
    assert {pattern.callback.__module__ for pattern in reference_urls.urlpatterns} == {"bench.ceilings"}
    assert not reference_settings.DATABASES
