"""Moran processes of iterated-game players: coopsim.models.moran against axelrod.

The issue's workload: 20 players (5 each of TFT, ALLD, ALLC and Grudger), 200-turn matches,
noise 0.05, axelrod's prisoner's dilemma (3, 0, 5, 1), runs to fixation.

(a) ``axelrod.MoranProcess`` against ``moran_process(payoffs="sampled")`` (the same rules:
    fresh matches every generation). axelrod takes about a quarter of a second per generation
    here and some 265 generations per run, so its cost is measured on a fixed number of
    generations (per-generation cost) and, optionally, on a few complete runs
    (``--axelrod-runs``); its cost per run is the per-generation cost times the mean number
    of generations (the same process: coopsim's large sample gives the mean).
(b) ``axelrod.ApproximateMoranProcess`` (outcomes drawn from a cache of matches) against
    ``moran_process(payoffs="cached")``: a few axelrod runs are timed and scaled to 100 runs
    (the issue's figure); axelrod's cache (``--cache-size`` matches per pair of types) is
    built once and timed separately; coopsim's timing includes its own cache.
(c) ``exact_fixation_distribution``: the fixation distribution of the expected-payoff
    process from the exact engine and the absorbing count chain (1771 states).

It also checks that the fixation distributions agree within sampling error (chi-square
homogeneity tests, and per-strategy differences in standard errors).

Grudger: coopsim's two-state ``automata.grudger()`` against ``axelrod.Grudger`` (it reacts
only to the co-player's defections, so under noise it is not memory-one GRIM).

Run::

    .venv/bin/python benchmarks/moran_vs_axelrod.py [--quick] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from _timing import fmt_t  # noqa: E402  (benchmarks/, the script's folder)

TURNS = 200
NOISE = 0.05
EACH = 5
SEED = 2026



def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs and generations (a few minutes)")
    ap.add_argument("--runs", type=int, help="coopsim sampled runs (default 1000; quick 150)")
    ap.add_argument("--cached-runs", type=int, help="coopsim cached runs (default 10000; quick 2000)")
    ap.add_argument("--axelrod-generations", type=int, help="axelrod MoranProcess generations timed "
                    "(default 40; quick 8)")
    ap.add_argument("--axelrod-runs", type=int, help="complete axelrod MoranProcess runs (default 2; quick 0)")
    ap.add_argument("--approx-runs", type=int, help="axelrod ApproximateMoranProcess runs timed and scaled "
                    "to 100 (default 30; quick 5)")
    ap.add_argument("--cache-size", type=int, default=1000, help="matches per pair of types in the caches "
                    "(axelrod and coopsim; default 1000)")
    ap.add_argument("--json", metavar="PATH", help="save the figures as JSON")
    args = ap.parse_args(argv)
    q = args.quick
    runs = args.runs or (150 if q else 1000)
    cached_runs = args.cached_runs or (2000 if q else 10_000)
    axl_gens = args.axelrod_generations or (8 if q else 40)
    axl_runs = args.axelrod_runs if args.axelrod_runs is not None else (0 if q else 2)
    approx_runs = args.approx_runs or (5 if q else 30)
    cache_size = args.cache_size
    warnings.filterwarnings("ignore")

    fig: dict = {"workload": {"players": 4 * EACH, "each": EACH, "turns": TURNS, "noise": NOISE,
                              "game": "(R,S,T,P) = (3,0,5,1)", "seed": SEED},
                 "quick": q, "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
                 "load_average_at_start": list(os.getloadavg())}
    t = time.perf_counter()
    import axelrod as axl
    fig["axelrod_import_s"] = time.perf_counter() - t
    fig["axelrod_version"] = axl.__version__

    import coopsim as cs
    from coopsim.models import moran, moran_axelrod

    game = cs.prisoners_dilemma()
    from coopsim.strategies import automata

    grudger, axl_grudger = automata.grudger(), axl.Grudger()
    fig["grudger"] = "coopsim.strategies.automata.grudger() / axelrod.Grudger"
    pop = {cs.TFT: EACH, cs.ALLD: EACH, cs.ALLC: EACH, grudger: EACH}
    axl_protos = [axl.TitForTat(), axl.Defector(), axl.Cooperator(), axl_grudger]
    axl_pop = [p.clone() for p in axl_protos for _ in range(EACH)]
    labels = ["TFT", "ALLD", "ALLC", "Grudger"]
    kw = dict(turns=TURNS, noise=NOISE)

    # ---------------------------------------------------------------- (c) exact
    moran.exact_fixation_distribution(pop, game, **kw)  # warm-up (imports scipy.sparse)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        chain = moran.exact_fixation_distribution(pop, game, **kw)
        times.append(time.perf_counter() - t)
    fig["exact"] = {"seconds": min(times), "probabilities": chain.probabilities.tolist(),
                    "expected_generations": chain.expected_generations, "n_states": chain.n_states}
    t = time.perf_counter()
    ex_sim = moran.moran_process(pop, game, runs=cached_runs, payoffs="exact", seed=SEED + 3, **kw)
    fig["exact_mode_simulation"] = {"runs": cached_runs, "seconds": time.perf_counter() - t,
                                    "fixations": ex_sim.fixation_counts().tolist(),
                                    "mean_generations": float(ex_sim.generations.mean())}

    # ---------------------------------------------------------------- coopsim sampled / cached
    moran.moran_process(pop, game, runs=2, seed=0, turns=5)  # warm-up
    t = time.perf_counter()
    smp = moran.moran_process(pop, game, runs=runs, seed=SEED, **kw)
    t_smp = time.perf_counter() - t
    gens = smp.generations
    fig["coopsim_sampled"] = {
        "runs": runs, "seconds": t_smp, "per_run_s": t_smp / runs, "total_generations": int(gens.sum()),
        "per_run_generation_s": t_smp / gens.sum(), "mean_generations": float(gens.mean()),
        "max_generations": int(gens.max()), "matches_played": int(smp.info["matches_played"]),
        "fixations": smp.fixation_counts().tolist(), "unfinished": smp.unfinished}
    t = time.perf_counter()
    cch = moran.moran_process(pop, game, runs=cached_runs, payoffs="cached", cache_size=cache_size,
                              seed=SEED + 1, **kw)
    t_cch = time.perf_counter() - t
    t = time.perf_counter()
    cch100 = moran.moran_process(pop, game, runs=100, payoffs="cached", cache_size=cache_size, seed=SEED + 2, **kw)
    t_cch100 = time.perf_counter() - t
    fig["coopsim_cached"] = {"runs": cached_runs, "cache_size": cache_size, "seconds": t_cch,
                             "per_run_s": t_cch / cached_runs, "seconds_100_runs": t_cch100,
                             "mean_generations": float(cch.generations.mean()),
                             "fixations": cch.fixation_counts().tolist(),
                             "fixations_100_runs": cch100.fixation_counts().tolist()}

    # ---------------------------------------------------------------- (a) axelrod MoranProcess
    done, t_gen, seed_k = 0, 0.0, 0
    while done < axl_gens:  # a fixed number of generations (new processes if one fixes)
        mp = axl.MoranProcess([p.clone() for p in axl_pop], turns=TURNS, noise=NOISE, seed=SEED + 100 + seed_k)
        seed_k += 1
        while done < axl_gens:
            t = time.perf_counter()
            try:
                next(mp)
            except StopIteration:
                break
            t_gen += time.perf_counter() - t
            done += 1
    per_gen_axl = t_gen / done
    full = []
    for r in range(axl_runs):
        mp = axl.MoranProcess([p.clone() for p in axl_pop], turns=TURNS, noise=NOISE, seed=SEED + 200 + r)
        t = time.perf_counter()
        mp.play()
        full.append({"seconds": time.perf_counter() - t, "generations": len(mp) - 1,
                     "winner": mp.winning_strategy_name})
    per_run_axl_est = per_gen_axl * float(gens.mean())
    fig["axelrod_moran"] = {"generations_timed": done, "per_generation_s": per_gen_axl,
                            "per_run_s_estimated": per_run_axl_est,
                            "per_run_s_estimated_from_chain": per_gen_axl * chain.expected_generations,
                            "full_runs": full}
    if full:
        fig["axelrod_moran"]["full_runs_per_generation_s"] = (sum(f["seconds"] for f in full)
                                                              / max(1, sum(f["generations"] for f in full)))

    # ---------------------------------------------------------------- (b) axelrod ApproximateMoranProcess
    ax_apx = moran_axelrod.axelrod_moran_process(axl_pop, game, runs=approx_runs, approximate=True,
                                                 cache_size=cache_size, seed=SEED + 300, **kw)
    t_apx = float(np.sum(ax_apx.info["seconds"]))
    fig["axelrod_approximate"] = {"runs": approx_runs, "seconds": t_apx, "per_run_s": t_apx / approx_runs,
                                  "seconds_100_runs_scaled": t_apx / approx_runs * 100,
                                  "cache_seconds": ax_apx.info["cache_seconds"], "cache_size": cache_size,
                                  "mean_generations": float(ax_apx.generations.mean()),
                                  "fixations": ax_apx.fixation_counts().tolist()}

    # ---------------------------------------------------------------- speed-ups
    sp = {
        "a_per_generation": per_gen_axl / fig["coopsim_sampled"]["per_run_generation_s"],
        "a_per_run": per_run_axl_est / fig["coopsim_sampled"]["per_run_s"],
        "b_100_runs_cached_vs_approximate": fig["axelrod_approximate"]["seconds_100_runs_scaled"] / t_cch100,
        "b_100_runs_cached_vs_approximate_with_its_cache":
            (fig["axelrod_approximate"]["seconds_100_runs_scaled"] + ax_apx.info["cache_seconds"]) / t_cch100,
        "b_per_run_cached_vs_approximate": fig["axelrod_approximate"]["per_run_s"] / (t_cch / cached_runs),
        "b_per_run_sampled_vs_approximate": fig["axelrod_approximate"]["per_run_s"] / (t_smp / runs),
        "c_exact_seconds": fig["exact"]["seconds"],
    }
    fig["speedup"] = sp
    fig["load_average_at_end"] = list(os.getloadavg())

    # ---------------------------------------------------------------- agreement
    p_chain = chain.probabilities
    rows = []

    def add(name, counts, n):
        counts = np.asarray(counts, dtype=float)
        p = counts / n
        rows.append((name, n, p, np.sqrt(p * (1 - p) / n)))

    add("coopsim sampled", smp.fixation_counts(), smp.runs - smp.unfinished)
    add("coopsim cached", cch.fixation_counts(), cch.runs - cch.unfinished)
    add("coopsim exact (simulated)", ex_sim.fixation_counts(), ex_sim.runs)
    add("axelrod Approximate", ax_apx.fixation_counts(), ax_apx.runs)
    if full:
        add("axelrod MoranProcess", [sum(f["winner"] == str(p) for f in full) for p in axl_protos], len(full))
    from scipy.stats import chisquare

    agree = {"chain": p_chain.tolist(), "samples": {}}
    for name, n, p, se in rows:
        z_chain = (p - p_chain) / np.sqrt(p_chain * (1 - p_chain) / n)
        agree["samples"][name] = {"runs": n, "probabilities": p.tolist(), "se": se.tolist(),
                                  "max_abs_z_vs_chain": float(np.max(np.abs(z_chain))),
                                  "chi2_p_vs_chain": float(chisquare(p * n, p_chain * n).pvalue)}
    pairs = [("coopsim sampled", "coopsim cached", smp, cch), ("coopsim sampled", "axelrod Approximate", smp, ax_apx),
             ("coopsim cached", "axelrod Approximate", cch, ax_apx)]
    agree["homogeneity"] = {}
    for a, b, ra, rb in pairs:
        stat, dof, pv = moran.homogeneity_test(ra, rb)
        pa_, pb_ = ra.fixation_counts() / ra.runs, rb.fixation_counts() / rb.runs
        pool = (ra.fixation_counts() + rb.fixation_counts()) / (ra.runs + rb.runs)  # pooled under H0
        se = np.sqrt(pool * (1 - pool) * (1 / ra.runs + 1 / rb.runs))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, (pa_ - pb_) / se, 0.0)
        agree["homogeneity"][f"{a} vs {b}"] = {"chi2": stat, "dof": dof, "p_value": pv,
                                               "max_abs_z": float(np.max(np.abs(z)))}
    fig["agreement"] = agree

    # ---------------------------------------------------------------- report
    print(f"Moran process, {4 * EACH} players ({EACH} each of {', '.join(labels)}), {TURNS} turns, noise {NOISE}; "
          f"Grudger: {fig['grudger']}")
    print(f"axelrod {axl.__version__} (import {fig['axelrod_import_s']:.1f} s, not counted); {os.cpu_count()} CPUs; "
          f"one process each; load average {fig['load_average_at_start'][0]:.1f} at start, "
          f"{fig['load_average_at_end'][0]:.1f} at end\n")
    print(f"{'':44s} {'per generation':>14s} {'per run':>13s}  {'runs':>6s}  {'total':>12s}")
    print(f"{'axelrod MoranProcess':44s} {fmt_t(per_gen_axl):>14s} {fmt_t(per_run_axl_est):>13s}  "
          f"{'(est.)':>6s}  {done} generations timed")
    for f in full:
        print(f"{'  complete run':44s} {fmt_t(f['seconds'] / max(f['generations'], 1)):>14s} "
              f"{fmt_t(f['seconds']):>13s}  {1:6d}  {f['generations']} generations, {f['winner']}")
    print(f"{'coopsim sampled (lockstep)':44s} {fmt_t(t_smp / gens.sum()):>14s} {fmt_t(t_smp / runs):>13s}  "
          f"{runs:6d}  {fmt_t(t_smp)}")
    print(f"{'axelrod ApproximateMoranProcess':44s} {'':>14s} {fmt_t(t_apx / approx_runs):>13s}  {approx_runs:6d}  "
          f"{fmt_t(t_apx)} (100 runs: {t_apx / approx_runs * 100:.1f} s scaled; cache "
          f"{ax_apx.info['cache_seconds']:.1f} s)")
    print(f"{'coopsim cached (lockstep, incl. its cache)':44s} {'':>14s} {fmt_t(t_cch / cached_runs):>13s}  "
          f"{cached_runs:6d}  {fmt_t(t_cch)} (100 runs: {fmt_t(t_cch100).strip()})")
    print(f"{'coopsim exact chain (1771 states)':44s} {'':>14s} {'':>13s}  {'':>6s}  {fmt_t(fig['exact']['seconds'])}")
    print()
    print(f"speed-up (a) MoranProcess / coopsim sampled: {sp['a_per_generation']:.0f}x per generation, "
          f"{sp['a_per_run']:.0f}x per run   (goal >= 100x)")
    print(f"speed-up (b) ApproximateMoranProcess / coopsim cached, 100 runs: "
          f"{sp['b_100_runs_cached_vs_approximate']:.0f}x "
          f"({sp['b_100_runs_cached_vs_approximate_with_its_cache']:.0f}x "
          f"counting axelrod's cache); per run {sp['b_per_run_cached_vs_approximate']:.0f}x; "
          f"coopsim sampled per run: {sp['b_per_run_sampled_vs_approximate']:.1f}x   (goal >= 50x)")
    print(f"(c) exact fixation distribution: {fig['exact']['seconds'] * 1e3:.0f} ms   (goal < 1 s)\n")
    print(f"{'fixation probability':32s} {'runs':>6s} " + " ".join(f"{lab:>15s}" for lab in labels)
          + "  max|z| vs chain")
    print(f"{'exact chain (expected payoffs)':32s} {'':>6s} " + " ".join(f"{p:15.4f}" for p in p_chain)
          + f"   (E[generations] {chain.expected_generations:.1f})")
    for name, n, p, se in rows:
        print(f"{name:32s} {n:6d} " + " ".join(f"{a:8.4f}±{b:.4f}" for a, b in zip(p, se, strict=True))
              + f"  {agree['samples'][name]['max_abs_z_vs_chain']:.2f}")
    print()
    for k, v in agree["homogeneity"].items():
        print(f"homogeneity {k:44s} chi2 = {v['chi2']:6.2f} (dof {v['dof']}), p = {v['p_value']:.3f}, "
              f"max |z| = {v['max_abs_z']:.2f}")
    print(f"mean generations: coopsim sampled {gens.mean():.1f}, cached {cch.generations.mean():.1f}, "
          f"exact sim {ex_sim.generations.mean():.1f}, chain {chain.expected_generations:.1f}, "
          f"axelrod approximate {ax_apx.generations.mean():.1f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(fig, fh, indent=2, default=float)
        print(f"\nfigures saved to {args.json}")
    return fig


if __name__ == "__main__":
    main()
