"""A short Milner demo (the README's main job): the shadow of the future (H3).

1. Exact engine: in a prisoner's dilemma, tit-for-tat (TFT) against unconditional
   defection (ALLD) in matches whose length is geometric with continuation w. For each w:
   the expected payoffs per match, whether TFT resists ALLD (TFT is a Nash equilibrium
   against itself: Axelrod 1984, Prop. 2), and the exact fixation probability of one TFT
   mutant in a population of ALLD under a Moran birth-death process (Nowak et al. 2004),
   relative to neutral drift 1/N. Milner's H3 predicts cooperation becomes more likely as
   w rises; the numbers say where and by how much in this model.
2. Sampled engine: a noisy round-robin tournament of classic strategies at a short and a
   long shadow of the future, with cooperation rates and ranks.

Writes ``h3_shadow_of_future.parquet``, ``tournament.parquet`` and a figure
``h3_shadow_of_future.png`` to the output folder.
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

    players = [S.ALLC, S.ALLD, S.TFT, S.gtft(game), S.WSLS, S.GRIM, S.extortionate(game), S.RANDOM]
    frames = []
    streams = spawn(seed, 2)
    for w, rng in zip((0.5, 0.95), streams, strict=True):
        res = tournament(players, game, turns=None, continuation=w, repetitions=5 if quick else 20,
                         noise=0.05, seed=rng)
        summ = res.summary.assign(continuation=w)
        frames.append(summ)
        echo(f"\nNoisy tournament (noise 0.05), continuation w = {w} (about {1 / (1 - w):.0f} rounds per match):")
        cols = [c for c in ("rank", "player", "mean_payoff", "cooperation") if c in summ.columns]
        echo(summ[cols].to_string(index=False))
    tour = pd.concat(frames, ignore_index=True)

    paths = [output / "h3_shadow_of_future.parquet", output / "tournament.parquet", output / "h3_shadow_of_future.png"]
    table.to_parquet(paths[0], index=False)
    tour.to_parquet(paths[1], index=False)

    fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
    ax.plot(table.continuation, table.n_rho_tft, marker="o", label="TFT mutant among ALLD")
    ax.axhline(1.0, color="grey", lw=1, ls="--", label="neutral drift (N·ρ = 1)")
    ax.axvline(game.tft_stability_threshold(), color="tab:red", lw=1, ls=":", label="TFT collectively stable")
    ax.set_xlabel("continuation probability w (shadow of the future)")
    ax.set_ylabel("N × fixation probability of TFT")
    ax.set_title("H3: longer interaction favours reciprocity (exact, N = 20)")
    ax.legend(frameon=False, fontsize=8)
    fig.savefig(paths[2], dpi=150)
    plt.close(fig)
    return paths
