"""Headline benchmark: the same round-robin tournament in axelrod and in coopsim.

Ten memory-one strategies (deterministic and stochastic), 200 turns, 10 repetitions, one
seed, axelrod's default prisoner's dilemma (3, 0, 5, 1). In one run it

1. times ``import axelrod`` (reported, not counted);
2. times ``axelrod.Tournament(...).play()`` serially and with ``processes=2`` (the full call
   a user makes, including axelrod's ResultSet, which reads the interactions back with
   dask), and separately the match play alone (``build_results=False``);
3. times ``coopsim.engine.tournament.tournament(...)`` on the converted strategies, on the
   axelrod players themselves (which it converts with ``from_axelrod``; the probes are
   cached after the first conversion, whose cost is reported), with the real Grudger (its
   pairs then go through the slow path, axelrod's own ``Match``), and the engine alone
   (``sampled.play`` on the same 550 matches, without the tournament's pandas tables);
4. checks that the per-pair mean payoffs agree: exactly for deterministic pairs, within
   sampling error for stochastic ones (both also against the exact Markov-chain values);
5. times a large batch of memory-one matches in coopsim's sampled engine (match-rounds per
   second) against axelrod's ``Match`` on the same kind of strategies.

axelrod's Grudger is not memory-one (it remembers any past defection); without noise it
plays exactly as coopsim's GRIM (1, 0, 0, 0), which stands in for it on the coopsim side.

Run::

    .venv/bin/python benchmarks/tournament_vs_axelrod.py [--repeats 3] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from _timing import fmt_t  # noqa: E402  (benchmarks/, the script's folder)

TURNS = 200
REPETITIONS = 10
SEED = 2024
NAMES = ["Cooperator", "Defector", "TitForTat", "WinStayLoseShift", "Grudger", "SuspiciousTitForTat",
         "GTFT", "ZDExtort2", "StochasticWSLS", "Random"]


def timed(fn, repeats):
    """(result of the last call, list of wall times in seconds)."""
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, times



def _fmt(seconds):
    return fmt_t(seconds, width=8, digits=3)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="repeats of each axelrod timing (default 3)")
    ap.add_argument("--cs-repeats", type=int, default=21, help="repeats of each coopsim timing (default 21)")
    ap.add_argument("--no-parallel", action="store_true", help="skip axelrod with processes=2")
    ap.add_argument("--batch", type=int, default=100_000, help="matches in the batch benchmark")
    ap.add_argument("--json", metavar="PATH", help="save the figures as JSON")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    fig: dict = {"turns": TURNS, "repetitions": REPETITIONS, "seed": SEED, "strategies": NAMES,
                 "cpu_count": os.cpu_count(), "python": sys.version.split()[0]}

    t = time.perf_counter()
    import axelrod as axl
    fig["axelrod_import_s"] = time.perf_counter() - t
    fig["axelrod_version"] = axl.__version__

    import coopsim as cs
    from coopsim.engine import axelrod_bridge as ab
    from coopsim.engine import exact, sampled
    from coopsim.engine import tournament as cst

    game = cs.prisoners_dilemma()
    axl_game = ab.axelrod_game(game)
    axl_players = [getattr(axl, n)() for n in NAMES]

    # ---- conversion (one-off; later conversions of the same players hit a cache)
    ab._PROBED.clear()
    t = time.perf_counter()
    converted = [ab.from_axelrod(p) for p in axl_players]
    fig["convert_first_s"] = time.perf_counter() - t
    _, t_conv = timed(lambda: [ab.from_axelrod(p) for p in axl_players], 5)
    fig["convert_cached_s"] = min(t_conv)
    cs_players = []
    for p, m in zip(axl_players, converted, strict=True):
        if m is None:
            assert type(p) is axl.Grudger, p
            m = cs.MemoryOne(cs.GRIM.vector, cs.GRIM.initial, str(p))  # equal to Grudger without noise
        cs_players.append(m)
    labels = [str(p) for p in axl_players]
    assert [m.name for m in cs_players] == labels

    # ---- axelrod
    def axl_tournament(processes=None, build_results=True):
        tour = axl.Tournament([p.clone() for p in axl_players], game=axl_game, turns=TURNS,
                              repetitions=REPETITIONS, seed=SEED)
        if build_results:
            return tour.play(progress_bar=False, processes=processes)
        fd, path = tempfile.mkstemp(suffix=".csv")
        os.close(fd)
        try:
            tour.play(progress_bar=False, processes=processes, build_results=False, filename=path)
        finally:
            os.remove(path)

    rs, t_axl = timed(axl_tournament, args.repeats)
    fig["axelrod_serial_s"] = t_axl
    _, t_axl_play = timed(lambda: axl_tournament(build_results=False), args.repeats)
    fig["axelrod_serial_matches_only_s"] = t_axl_play
    if not args.no_parallel:
        try:
            rs2, t_par = timed(lambda: axl_tournament(processes=2), args.repeats)
            fig["axelrod_processes2_s"] = t_par
            fig["axelrod_processes2_same_result"] = bool(np.allclose(rs2.payoff_matrix, rs.payoff_matrix))
        except Exception as exc:  # pragma: no cover - depends on the platform
            fig["axelrod_processes2_error"] = repr(exc)

    # ---- coopsim
    def cs_tournament(players=cs_players):
        return cst.tournament(players, game, turns=TURNS, repetitions=REPETITIONS, seed=SEED)

    cs_tournament()  # warm-up: first use imports pandas and the sampled engine
    res, t_cs = timed(cs_tournament, args.cs_repeats)
    fig["coopsim_s"] = t_cs
    # axelrod players passed in directly (the tournament converts them; probes are cached).
    # Grudger is not memory-one, so GRIM stands in for it here too.
    mixed = [m if type(p) is axl.Grudger else p for p, m in zip(axl_players, cs_players, strict=True)]
    try:
        _, t_cs_axl = timed(lambda: cs_tournament(mixed), args.cs_repeats)
        fig["coopsim_axelrod_inputs_s"] = t_cs_axl
    except Exception as exc:
        fig["coopsim_axelrod_inputs_error"] = repr(exc)

    # the real Grudger (not memory-one): its pairs go through the slow path (axelrod's rules)
    _, t_cs_slow = timed(lambda: cs_tournament(axl_players), args.repeats)
    fig["coopsim_with_real_grudger_s"] = t_cs_slow

    # the engine alone on the tournament's matches (what the tournament wrapper adds: tables)
    n = len(cs_players)
    arr = np.stack([m.array for m in cs_players])
    iu, ju = np.triu_indices(n)
    pa, pb = arr[iu].repeat(REPETITIONS, 0), arr[ju].repeat(REPETITIONS, 0)
    _, t_engine = timed(lambda: sampled.play(pa, pb, game, turns=TURNS, seed=SEED), args.cs_repeats)
    fig["coopsim_engine_only_s"] = t_engine
    fig["tournament_matches"] = int(len(pa))

    # ---- agreement
    A = np.array(rs.payoff_matrix, dtype=float)
    B = res.payoff_matrix.to_numpy(dtype=float)
    assert list(res.payoff_matrix.index) == labels, list(res.payoff_matrix.index)
    I, J = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    ex = exact.payoffs(arr[I.ravel()], arr[J.ravel()], game, rounds=TURNS)
    E = ex.focal.reshape(n, n)
    # per-match sd of the payoff per turn, per pair, from a large sample (10 repetitions are
    # too few to estimate it; axelrod's payoff_stddevs also uses ddof=0)
    big = 4000
    sd_run = sampled.play(arr[I.ravel()].repeat(big, 0), arr[J.ravel()].repeat(big, 0), game, turns=TURNS,
                          seed=SEED + 1)
    sd = sd_run.focal_payoff.reshape(n * n, big).std(axis=1, ddof=1).reshape(n, n)
    det = np.array([m.is_deterministic for m in cs_players])
    det_pair = det[:, None] & det[None, :]
    se = sd / np.sqrt(REPETITIONS)  # per side; self-play entries average both copies (conservative)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_axl = np.where(se > 0, (A - E) / se, np.where(np.isclose(A, E), 0, np.inf))
        z_cs = np.where(se > 0, (B - E) / se, np.where(np.isclose(B, E), 0, np.inf))
        z_two = np.where(se > 0, (A - B) / (se * np.sqrt(2)), np.where(np.isclose(A, B), 0, np.inf))
    sto = ~det_pair
    agree = {
        "deterministic_pairs": int(det_pair.sum()),
        "deterministic_max_abs_diff_axelrod_coopsim": float(np.abs(A - B)[det_pair].max()),
        "deterministic_max_abs_diff_axelrod_exact": float(np.abs(A - E)[det_pair].max()),
        "stochastic_pairs": int(sto.sum()),
        "stochastic_max_abs_z_axelrod_vs_exact": float(np.abs(z_axl)[sto].max()),
        "stochastic_max_abs_z_coopsim_vs_exact": float(np.abs(z_cs)[sto].max()),
        "stochastic_max_abs_z_axelrod_vs_coopsim": float(np.abs(z_two)[sto].max()),
        "stochastic_max_abs_diff_axelrod_coopsim": float(np.abs(A - B)[sto].max()),
    }
    agree["deterministic_exact"] = agree["deterministic_max_abs_diff_axelrod_coopsim"] < 1e-9
    agree["stochastic_within_4se"] = agree["stochastic_max_abs_z_axelrod_vs_coopsim"] <= 4
    fig["agreement"] = agree

    # ---- batch of memory-one matches: match-rounds per second
    rng = np.random.default_rng(SEED)
    K = args.batch
    P = rng.random((K, 5))
    Q = rng.random((K, 5))
    _, t_batch = timed(lambda: sampled.play(P, Q, game, turns=TURNS, seed=SEED), 3)
    fig["batch_matches"] = K
    fig["coopsim_batch_s"] = t_batch
    fig["coopsim_rounds_per_s"] = K * TURNS / min(t_batch)
    n_axl = 30
    pairs = [(ab.to_axelrod(cs.MemoryOne(tuple(P[k, :4]), float(P[k, 4]))),
              ab.to_axelrod(cs.MemoryOne(tuple(Q[k, :4]), float(Q[k, 4])))) for k in range(n_axl)]

    def axl_batch():
        for k, (a, b) in enumerate(pairs):
            axl.Match((a.clone(), b.clone()), turns=TURNS, game=axl_game, seed=k).play()

    _, t_axl_batch = timed(axl_batch, args.repeats)
    fig["axelrod_batch_matches"] = n_axl
    fig["axelrod_rounds_per_s"] = n_axl * TURNS / min(t_axl_batch)

    # ---- report
    best_axl, med_axl = min(t_axl), statistics.median(t_axl)
    best_cs, med_cs = min(t_cs), statistics.median(t_cs)
    fig["speedup_best"] = best_axl / best_cs
    fig["speedup_median"] = med_axl / med_cs
    rows = [("axelrod Tournament.play(), serial", t_axl),
            ("axelrod, serial, matches only (no ResultSet)", t_axl_play)]
    if "axelrod_processes2_s" in fig:
        rows.append(("axelrod Tournament.play(processes=2)", fig["axelrod_processes2_s"]))
    rows.append(("coopsim tournament (MemoryOne inputs)", t_cs))
    if "coopsim_axelrod_inputs_s" in fig:
        rows.append(("coopsim tournament (axelrod player inputs)", fig["coopsim_axelrod_inputs_s"]))
    rows.append(("coopsim tournament (real Grudger: slow path)", t_cs_slow))
    rows.append((f"coopsim sampled.play, the {len(pa)} matches only", t_engine))
    print(f"\nRound robin: {n} strategies, {TURNS} turns, {REPETITIONS} repetitions, seed {SEED}; "
          f"axelrod {fig['axelrod_version']}, {os.cpu_count()} CPUs")
    print(f"(import axelrod: {fig['axelrod_import_s']:.1f} s, not counted; first from_axelrod of the "
          f"{n} players: {_fmt(fig['convert_first_s']).strip()}, cached: {_fmt(fig['convert_cached_s']).strip()})\n")
    print(f"{'':48s} {'best':>11s} {'median':>11s} {'time / coopsim':>19s}")
    for label, ts in rows:
        print(f"{label:48s} {_fmt(min(ts))} {_fmt(statistics.median(ts))} {statistics.median(ts) / med_cs:18.1f}x")
    print(f"\nSpeed-up of coopsim over axelrod's serial tournament: {fig['speedup_best']:.0f}x (best vs best), "
          f"{fig['speedup_median']:.0f}x (median vs median); goal >= 300x.")
    fig["speedup_engine_only_best"] = best_axl / min(t_engine)
    print(f"  engine only (sampled.play on the same matches, no tables) vs axelrod's full play(): "
          f"{fig['speedup_engine_only_best']:.0f}x; vs axelrod's matches only: {min(t_axl_play) / min(t_engine):.0f}x "
          f"(best vs best)")
    if "axelrod_processes2_s" in fig:
        print(f"  vs axelrod processes=2: {min(fig['axelrod_processes2_s']) / best_cs:.0f}x (best vs best)")
    elif "axelrod_processes2_error" in fig:
        print(f"  axelrod processes=2 failed: {fig['axelrod_processes2_error']}")
    print("\nAgreement of per-pair mean payoff per turn (axelrod ResultSet.payoff_matrix vs coopsim):")
    print(f"  deterministic pairs: {agree['deterministic_pairs']:3d}, max |axelrod - coopsim| = "
          f"{agree['deterministic_max_abs_diff_axelrod_coopsim']:.3g}, max |axelrod - exact| = "
          f"{agree['deterministic_max_abs_diff_axelrod_exact']:.3g}  -> "
          f"{'identical' if agree['deterministic_exact'] else 'DIFFERENT'}")
    print(f"  stochastic pairs:    {agree['stochastic_pairs']:3d}, max |z| axelrod vs coopsim = "
          f"{agree['stochastic_max_abs_z_axelrod_vs_coopsim']:.2f}, axelrod vs exact = "
          f"{agree['stochastic_max_abs_z_axelrod_vs_exact']:.2f}, coopsim vs exact = "
          f"{agree['stochastic_max_abs_z_coopsim_vs_exact']:.2f}  (se = per-match sd / sqrt({REPETITIONS})) -> "
          f"{'within 4 se' if agree['stochastic_within_4se'] else 'OUTSIDE 4 se'}")
    print("\nBatch of random memory-one matches (200 turns):")
    print(f"  coopsim sampled.play: {K} matches in {_fmt(min(t_batch)).strip()}: "
          f"{fig['coopsim_rounds_per_s']:.3g} match-rounds/s")
    print(f"  axelrod Match:        {n_axl} matches in {_fmt(min(t_axl_batch)).strip()}: "
          f"{fig['axelrod_rounds_per_s']:.3g} match-rounds/s  -> "
          f"{fig['coopsim_rounds_per_s'] / fig['axelrod_rounds_per_s']:.0f}x")
    print("\nPayoff matrix (axelrod / coopsim / exact), row player vs column:")
    short = [s.split(":")[0][:10] for s in labels]
    print(" " * 12 + " ".join(f"{s:>16s}" for s in short))
    for i in range(n):
        cells = " ".join(f"{A[i, j]:5.3f}/{B[i, j]:5.3f}/{E[i, j]:4.2f}" for j in range(n))
        print(f"{short[i]:>11s} {cells}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(fig, fh, indent=2, default=float)
        print(f"\nfigures saved to {args.json}")
    return 0 if agree["deterministic_exact"] and agree["stochastic_within_4se"] else 1


if __name__ == "__main__":
    sys.exit(main())
