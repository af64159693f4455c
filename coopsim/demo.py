"""A short Milner demo (the README's main job): the shadow of the future (H3).

1. Exact engine: in a prisoner's dilemma, tit-for-tat (TFT) against unconditional
   defection (ALLD) in matches whose length is geometric with continuation w. For each w:
   the expected payoffs per match, whether TFT resists ALLD (TFT is a Nash equilibrium
   against itself: Axelrod 1984, Prop. 2), and the exact fixation probability of one TFT
   mutant in a population of ALLD under a Moran birth-death process (Nowak et al. 2004),
   relative to neutral drift 1/N. Milner's H3 predicts cooperation becomes more likely as
   w rises; the numbers say where and by how much in this model.
2. The simulated international system: 30 states meeting in random pairs, imitating
   successful strategies (Fermi), with noise 0.01, at several shadows of the future;
   the share of replications in which cooperation emerges (mean cooperation over the last
   100 periods >= 0.7), with Wilson intervals.
3. Sampled engine: a noisy round-robin tournament of classic strategies.

Writes ``h3_shadow_of_future.parquet``, ``h3_world.parquet``, ``tournament.parquet`` and
a figure ``h3_shadow_of_future.png`` to the output folder.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import strategies as S
from ._random import spawn
from .games import prisoners_dilemma

__all__ = ["shadow_of_the_future", "run_demo"]


def shadow_of_the_future(continuations, population_size: int = 20, selection_intensity: float = 0.05, game=None):
    """Exact H3 table: TFT vs ALLD for each continuation probability w.

    Columns: continuation, expected_rounds, the four expected match payoffs (totals),
    tft_resists_alld (TFT-TFT >= ALLD-TFT), rho_tft, rho_alld (fixation probabilities of
    one mutant, Moran birth-death, fitness 1 - s + s * payoff) and n_rho_tft = N * rho_tft
    (> 1: selection favours TFT over neutral drift).
    """
    import pandas as pd

    from .engine import exact

    game = game if game is not None else prisoners_dilemma()
    rows = []
    for w in np.asarray(continuations, dtype=float):
        v = exact.payoffs([S.TFT, S.TFT, S.ALLD, S.ALLD], [S.TFT, S.ALLD, S.TFT, S.ALLD], game, continuation=w)
        length = 1.0 / (1.0 - w)
        a, b, c, d = (v.focal * length).tolist()  # expected totals per match
        rho_a, rho_b = exact.fixation_probability(np.array([[a, b], [c, d]]), population_size, selection_intensity)
        rows.append({
            "continuation": w, "expected_rounds": length,
            "tft_vs_tft": a, "tft_vs_alld": b, "alld_vs_tft": c, "alld_vs_alld": d,
            "tft_resists_alld": bool(a >= c),
            "rho_tft": float(rho_a), "rho_alld": float(rho_b),
            "n_rho_tft": float(population_size * rho_a),
        })
    return pd.DataFrame(rows)


def run_demo(output: Path, *, seed: int | None = 2026, quick: bool = False,
             echo: Callable[[str], None] = print) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from .engine.tournament import tournament

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    game = prisoners_dilemma()

    echo("coopsim demo: Milner's H3, the shadow of the future")
    echo(f"Stage game: {game!r}; TFT resists ALLD once w >= (T-R)/(T-P) = {(game.T - game.R) / (game.T - game.P):.3f}; "
         f"TFT is collectively stable once w >= {game.tft_stability_threshold():.3f} (Axelrod 1984)\n")
    grid = np.round(np.linspace(0.05, 0.95, 10 if quick else 19), 4)
    table = shadow_of_the_future(grid)
    with pd.option_context("display.width", 120, "display.precision", 4):
        echo(table[["continuation", "expected_rounds", "tft_vs_tft", "alld_vs_tft", "tft_resists_alld",
                    "n_rho_tft"]].to_string(index=False))
    first = table.loc[table.n_rho_tft > 1, "continuation"]
    echo(f"\nSelection favours a single TFT mutant among ALLD (N*rho > 1) from w = {first.min():.2f} on."
         if len(first) else "\nSelection never favours a single TFT mutant on this grid.")

    from .world.scenario import Scenario

    levels = [0.3, 0.6, 0.8, 0.9, 0.95]
    reps = 6 if quick else 20
    world = Scenario(n_states=30, periods=300, window=100, engine="exact")
    seeds = np.random.SeedSequence(seed).spawn(len(levels) * reps)
    rows = []
    for i, w in enumerate(levels):
        sc = world.with_params({"iteration.continuation": w})
        for r in range(reps):
            summ = sc.run(seed=seeds[i * reps + r]).summary
            rows.append({"continuation": w, "replication": r, "emerged": summ["emerged"],
                         "window_cooperation": summ["window_cooperation"]})
    runs = pd.DataFrame(rows)
    world_table = runs.groupby("continuation").agg(n=("emerged", "size"), emerged=("emerged", "sum"),
                                                   mean_cooperation=("window_cooperation", "mean")).reset_index()
    from .analysis import wilson_interval

    n, k = world_table["n"].to_numpy(int), world_table["emerged"].to_numpy(int)
    world_table["emergence"] = k / n
    world_table["ci_low"], world_table["ci_high"] = wilson_interval(k, n, 0.95)
    echo(f"\nThe simulated system: 30 states, random pairs, Fermi imitation, noise 0.01, {reps} runs per level")
    with pd.option_context("display.width", 120, "display.precision", 3):
        echo(world_table[["continuation", "n", "emergence", "ci_low", "ci_high", "mean_cooperation"]]
             .to_string(index=False))

    players = [S.ALLC, S.ALLD, S.TFT, S.gtft(game), S.WSLS, S.GRIM, S.extortionate(game), S.RANDOM]
    res = tournament(players, game, turns=None, continuation=0.95, repetitions=5 if quick else 20, noise=0.05,
                     seed=spawn(seed, 1)[0])
    tour = res.summary.assign(continuation=0.95)
    echo("\nNoisy tournament (noise 0.05, continuation 0.95, about 20 rounds per match):")
    echo("(ranked as axelrod ranks: by the median over repetitions of the normalised score)")
    echo(tour[["rank", "player", "median_normalised_score", "mean_score_per_turn", "cooperation_rate"]]
         .to_string(index=False))

    paths = [output / "h3_shadow_of_future.parquet", output / "h3_world.parquet", output / "tournament.parquet",
             output / "h3_shadow_of_future.png"]
    table.to_parquet(paths[0], index=False)
    runs.to_parquet(paths[1], index=False)
    tour.to_parquet(paths[2], index=False)

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    ax.plot(table.continuation, table.n_rho_tft, marker="o", label="TFT mutant among ALLD")
    ax.axhline(1.0, color="grey", lw=1, ls="--", label="neutral drift (N·ρ = 1)")
    ax.axvline(game.tft_stability_threshold(), color="tab:red", lw=1, ls=":", label="TFT collectively stable")
    ax.set_xlabel("continuation probability w (shadow of the future)")
    ax.set_ylabel("N × fixation probability of TFT")
    ax.set_title("Exact: one TFT mutant among ALLD (N = 20)")
    ax.legend(frameon=False, fontsize=8)
    wt = world_table
    ax2.fill_between(wt.continuation, wt.ci_low, wt.ci_high, alpha=0.25, label="95% Wilson interval")
    ax2.plot(wt.continuation, wt.emergence, marker="o", label="emergence frequency")
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_xlabel("continuation probability w (shadow of the future)")
    ax2.set_ylabel("share of runs where cooperation emerges")
    ax2.set_title(f"Simulated system: 30 states, {reps} runs per level")
    ax2.legend(frameon=False, fontsize=8)
    fig.suptitle("Milner's H3: the shadow of the future")
    fig.savefig(paths[3], dpi=150)
    plt.close(fig)
    return paths
