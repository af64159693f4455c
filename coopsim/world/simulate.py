"""The period loop of a :class:`~coopsim.world.scenario.Scenario` (see its docstring).

Vectorised over states and encounters; the only Python loops are over periods (and,
inside the sampled engine, over rounds). Randomness: the root seed is split into
independent streams — core (matching, play, revision, mutation), regime, epistemic — so a
mechanism at its neutral value draws nothing and leaves the run bit-identical.
"""
from __future__ import annotations

import numpy as np

from .._random import as_seed_sequence
from . import dynamics
from .perception import misperceive_group, misperceive_memory_one

__all__ = ["simulate", "gini"]

ALLC_PAIR = np.array([1.0, 1, 1, 1, 1])
ALLD_PAIR = np.array([0.0, 0, 0, 0, 0])


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: equality)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * total))


# ------------------------------------------------------------------ engine adapters
def _play_pairs(sc, game, rows, rng):
    """Rows (E, 2, 5) -> (state counts (E, 4) from side 0's view, lengths (E,))."""
    it = sc.iteration
    if sc.engine == "exact":
        from ..engine import exact

        dist = exact.state_distribution(rows[:, 0], rows[:, 1], continuation=it.continuation, rounds=it.rounds,
                                        noise=sc.noise)
        length = np.full(rows.shape[0], it.expected_rounds)
        return dist * length[:, None], length
    from ..engine import sampled

    m = sampled.play(rows[:, 0], rows[:, 1], game, turns=it.rounds, continuation=it.continuation, noise=sc.noise,
                     seed=rng)
    return np.asarray(m.states, dtype=float), np.asarray(m.lengths, dtype=float)


def _play_groups(sc, game, rows, rng):
    """Rows (E, k, 2k+1) -> (cooperation share (E, k), mean payoff per round (E, k), lengths (E,))."""
    from ..engine import sampled

    it = sc.iteration
    g = sampled.play_groups(rows, game, turns=it.rounds, continuation=it.continuation, noise=sc.noise, seed=rng)
    return np.asarray(g.cooperation, dtype=float), np.asarray(g.payoff, dtype=float), np.asarray(g.lengths, float)


# ------------------------------------------------------------------ the loop
def simulate(sc, seed):
    import pandas as pd


    root = as_seed_sequence(seed)
    rng, rng_regime, rng_epi = (np.random.default_rng(s) for s in root.spawn(3))
    n = sc.n_states
    k = sc.actors.n_actors if sc.is_group_game else 2
    struct = sc.build_structure()
    game = sc.stage_game()
    rules = sc.strategy_rules()
    m = rules.shape[0]
    kernel = sc.kernel()
    cap = sc.power.capabilities(n)
    hegemon = 0 if (sc.power.hegemon_share is not None or sc.power.hegemon_role != "none") else -1
    reg, epi, pw = sc.regime, sc.epistemic, sc.power
    regime_on = not reg.is_neutral
    epi_on = not epi.is_neutral
    allc = np.concatenate([np.ones(2 * k), [1.0]]) if sc.is_group_game else ALLC_PAIR
    alld = np.concatenate([np.zeros(2 * k), [0.0]]) if sc.is_group_game else ALLD_PAIR
    if sc.is_group_game:
        payoff_floor = float(min(game.cooperator.min(), game.defector.min()))
    else:
        payoff_floor = float(min(game.rstp))

    continuous = sc.is_continuous
    if continuous:
        genome = sc.draw_strategies(rng, n)
        types = np.zeros(n, dtype=np.int64)
    else:
        types = rng.choice(m, size=n, p=kernel)
        genome = rules[types]
    member = rng_regime.random(n) < reg.membership if regime_on else np.zeros(n, dtype=bool)
    good = np.ones(n, dtype=bool)
    advised = rng_epi.random(n) < epi.reach if epi_on else np.ones(n, dtype=bool)
    neighbours = struct.neighbours_csr if sc.update in ("moran_bd", "moran_db", "best_neighbour") else None
    is_network = sc.structure not in ("random_matching", "all_pairs")
    # Named strategy sets: every side of an encounter plays one of finitely many variants —
    # its type's rule, or an ALLC / ALLD override (benevolent hegemon, regime withholding),
    # each as played by an advised or an unadvised state. Variant v = base + (m + 2) * unadvised.
    # The rules (and, with the exact engine, all pairwise state distributions) are computed once.
    variant_rows = dist_table = None
    if not continuous:
        base_rows = np.concatenate([rules, allc[None, :], alld[None, :]])
        e = epi.misperception if epi_on else 0.0
        if sc.is_group_game:
            unadvised_rows = misperceive_group(base_rows, k, e)
        else:
            unadvised_rows = misperceive_memory_one(base_rows, e)
        variant_rows = np.concatenate([base_rows, unadvised_rows])
        if sc.engine == "exact":
            from ..engine import exact

            V = variant_rows.shape[0]
            it = sc.iteration
            dist_table = exact.state_distribution(
                np.repeat(variant_rows, V, axis=0), np.tile(variant_rows, (V, 1)),
                continuation=it.continuation, rounds=it.rounds, noise=sc.noise).reshape(V, V, 4)

    group_fast = None
    if sc.is_group_game and not continuous:
        # the variants' tables with noise folded in, the payoff lookup and the length law,
        # prepared once: each period then calls the group engine's core without revalidating
        from ..engine import sampled

        e_noise = float(sc.noise)
        folded = np.ascontiguousarray(e_noise + (1 - 2 * e_noise) * variant_rows, dtype=np.float32)
        turns_, w_ = sampled.length_spec(sc.iteration.rounds, sc.iteration.continuation)
        group_fast = (sampled, folded, sampled.group_payoff_table(game, k), turns_, w_)

    rec = {key: np.zeros(sc.periods) for key in ("cooperation", "mean_payoff", "inequality", "good_standing",
                                                  "advised")}
    shares = np.zeros((sc.periods, len(sc.trait_labels())))
    window_pay = np.zeros(n)
    window_start = sc.periods - sc.window

    for t in range(sc.periods):
        enc = struct.encounters(rng)  # (E, k)
        E = enc.shape[0]
        m2 = rules.shape[0] + 2
        code = types[enc] if not continuous else None
        rows = genome[enc] if continuous else None  # (E, k, d)
        if hegemon >= 0 and pw.hegemon_role == "benevolent":
            if continuous:
                rows[enc == hegemon] = allc
            else:
                code[enc == hegemon] = m2 - 2
        bad_partner = np.zeros((E, k), dtype=bool)
        if regime_on and not sc.is_group_game:
            other = enc[:, ::-1]
            bad_partner = ~good[other]
            knows = member[enc] & (rng_regime.random((E, 2)) < reg.monitoring) & bad_partner
            if continuous:
                rows[knows] = alld
            else:
                code[knows] = m2 - 1
        if epi_on and epi.misperception > 0:
            if continuous:
                rows = misperceive_memory_one(rows, np.where(advised[enc], 0.0, epi.misperception))
            else:
                code = code + m2 * (~advised[enc])
        if not continuous:
            rows = variant_rows[code]

        # ---- play and payoffs per round (base game units, then stakes)
        if sc.is_group_game:
            if group_fast is not None:
                eng, folded, paytab, turns_, w_ = group_fast
                lengths_ = eng.draw_lengths(E, turns_, w_, rng)
                g = eng.play_group_tables(folded[code], lengths_, paytab, rng)
                coop, base, length = g.cooperation, g.payoff, lengths_.astype(float)
            else:
                coop, base, length = _play_groups(sc, game, rows, rng)
            if pw.hegemon_share is not None and game.name == "public_goods":
                c = game.parameters["cost"]
                r = game.parameters["multiplier"]
                w = cap[enc]
                contrib = c * w * coop
                stake_pay = r * contrib.sum(1, keepdims=True) * w / w.sum(1, keepdims=True) - contrib
            else:
                stake_pay = base * cap[enc]
            tilt = -coop  # perceived-cost direction for payoff_bias
        else:
            if dist_table is not None:
                length = np.full(E, sc.iteration.expected_rounds)
                counts = dist_table[code[:, 0], code[:, 1]] * length[:, None]
            else:
                counts, length = _play_pairs(sc, game, rows, rng)
            f = game.focal_payoffs
            counts1 = counts[:, [0, 2, 1, 3]]
            per = np.stack([counts, counts1], axis=1) / length[:, None, None]  # (E, 2, 4) occupancy per round
            base = per @ f
            coop = per[..., 0] + per[..., 1]
            stake_pay = base * cap[enc]
            tilt = per[..., 2] - per[..., 1]  # DC share - CD share: what payoff_bias distorts
        defect = 1.0 - coop
        charges = np.zeros_like(stake_pay)
        if regime_on:
            charges += reg.dues * member[enc]
            if reg.sanction > 0 or reg.monitoring > 0:
                observed = rng_regime.random(E) < reg.monitoring
                unjust = np.where(bad_partner, 0.0, defect)
                charges += reg.sanction * unjust * (member[enc] & observed[:, None])
                if not sc.is_group_game:
                    obs = np.flatnonzero(observed)
                    newgood = (coop[obs] >= 0.5) | bad_partner[obs]
                    good[enc[obs].ravel()] = newgood.ravel()
        if hegemon >= 0 and pw.hegemon_role == "coercive":
            has_h = enc == hegemon
            in_enc = has_h.any(1)
            fined = (~has_h) & in_enc[:, None]
            charges += pw.coercion * cap[hegemon] * defect * fined  # enforcement scales with capability
            charges += has_h * (pw.coercion_cost * (defect * fined).sum(1, keepdims=True))
        real = stake_pay - charges  # per round, in capability-scaled units

        # ---- aggregate per state (mean over its encounters)
        idx = enc.ravel()
        n_enc = np.bincount(idx, minlength=n)
        played = n_enc > 0
        denom = np.maximum(n_enc, 1)
        pay_state = np.bincount(idx, real.ravel(), minlength=n) / denom
        judge = pay_state / cap  # per unit of capability
        tilt_state = np.bincount(idx, tilt.ravel(), minlength=n) / denom
        coop_moves = float((coop * length[:, None]).sum())
        rec["cooperation"][t] = coop_moves / float(length.sum() * k)
        rec["mean_payoff"][t] = pay_state[played].mean()
        rec["inequality"][t] = gini(pay_state[played] - payoff_floor * cap[played] + 0.0)
        rec["good_standing"][t] = good.mean()
        rec["advised"][t] = advised.mean()
        if continuous:
            shares[t] = genome.mean(axis=0)
        else:
            shares[t] = np.bincount(types, minlength=m) / n
        if t >= window_start:
            window_pay += pay_state

        # ---- advice diffuses by contact
        if epi_on and epi.diffusion > 0:
            any_adv = advised[enc].any(1)
            catch = any_adv[:, None] & ~advised[enc] & (rng_epi.random((E, k)) < epi.diffusion)
            advised[enc[catch]] = True

        # ---- strategy revision
        if sc.update == "fermi":
            models = struct.models(rng)
            model_judge = judge[models]
            own = judge
            if epi_on and epi.payoff_bias > 0:
                bias = np.where(advised, 0.0, epi.payoff_bias)
                own = judge + bias * tilt_state
                model_judge = model_judge + bias * tilt_state[models]
            src = dynamics.fermi(own, models, sc.selection_intensity, rng, sc.revision_rate,
                                 model_payoffs=model_judge)
            src = np.where(played & played[src], src, np.arange(n))
        elif sc.update == "best_neighbour":
            src = dynamics.best_neighbour(np.where(played, judge, -np.inf), neighbours, rng, sc.revision_rate)
        else:
            events = max(1, int(round(sc.revision_rate * n)))
            rule = dynamics.moran_bd if sc.update == "moran_bd" else dynamics.moran_db
            nb = neighbours if is_network else None
            src = np.arange(n)
            for _ in range(events):
                step = rule(judge, sc.selection_intensity, rng, neighbours=nb, fitness_kind="exponential")
                src = src[step]
        types = types[src]
        genome = genome[src]
        mut = dynamics.mutate(n, sc.mutation, rng)
        if mut.any():
            if continuous:
                genome[mut] = sc.draw_strategies(rng, int(mut.sum()))
            else:
                types[mut] = rng.choice(m, size=int(mut.sum()), p=kernel)
                genome[mut] = rules[types[mut]]

    strategy_col = ([", ".join(f"{x:.3f}" for x in row) for row in genome] if continuous
                    else np.asarray(sc.strategies, dtype=object)[types])
    states = pd.DataFrame({
        "state": np.arange(n), "strategy": strategy_col,
        "capability": cap, "member": member, "advised": advised, "good_standing": good,
        "window_payoff": window_pay / sc.window,
    })
    return _result(sc, rec, shares, states)


def _result(sc, rec: dict, shares: np.ndarray, states):
    """Per-period table and run summary (emergence over the last ``window`` periods)."""
    import pandas as pd

    from .scenario import ScenarioResult

    periods = pd.DataFrame({"period": np.arange(sc.periods), **rec})
    labels = sc.trait_labels()
    for j, name in enumerate(labels):
        periods[name] = shares[:, j]
    coop = periods["cooperation"].to_numpy()
    window_mean = float(coop[-sc.window:].mean())
    trailing = np.convolve(coop, np.ones(sc.window) / sc.window, mode="valid")
    hit = np.flatnonzero(trailing >= sc.threshold)
    summary = {
        "emerged": bool(window_mean >= sc.threshold),
        "emergence_period": int(hit[0] + sc.window - 1) if hit.size else None,
        "window_cooperation": window_mean,
        "final_cooperation": float(coop[-1]),
        "mean_cooperation": float(coop.mean()),
        "window_payoff": float(periods["mean_payoff"].to_numpy()[-sc.window:].mean()),
        "window_inequality": float(periods["inequality"].to_numpy()[-sc.window:].mean()),
        **{f"final_{name}": float(shares[-1, j]) for j, name in enumerate(labels)},
    }
    return ScenarioResult(sc, periods, states, summary)


def weighted_gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values`` held by population shares ``weights``."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    w = w / w.sum()
    mean = float(v @ w)
    if mean <= 0:
        return 0.0
    diff = np.abs(v[:, None] - v[None, :])
    return float(w @ diff @ w / (2 * mean))


def simulate_replicator(sc):
    """Discrete-time replicator dynamics for an infinite well-mixed population.

    Shares x of the named strategies evolve as x_i' = x_i exp(s π_i) / Σ_j x_j exp(s π_j)
    (s = ``selection_intensity``), then x' = (1 - μ) x' + μ k with the mutation kernel k
    (H1). π comes from the exact engine (expected payoff per round with ``continuation`` or
    ``rounds`` and ``noise``). Epistemic communities (H5): a share a of every strategy is
    advised (a starts at ``reach`` and grows by ``diffusion`` a (1 - a) per period);
    the unadvised play their rule through perception errors. Deterministic: no seed.
    """
    import pandas as pd

    from ..engine import exact

    game = sc.stage_game()
    rules = sc.strategy_rules()
    m = rules.shape[0]
    kernel = sc.kernel()
    it, epi = sc.iteration, sc.epistemic
    e = epi.misperception if not epi.is_neutral else 0.0
    # (type, advised) pairs: index 2 * i + advised
    variants = np.stack([misperceive_memory_one(rules, e), rules], axis=1).reshape(2 * m, -1)
    P, Q = np.repeat(variants, 2 * m, axis=0), np.tile(variants, (2 * m, 1))
    v = exact.payoffs(P, Q, game, continuation=it.continuation, rounds=it.rounds, noise=sc.noise)
    pay = v.focal.reshape(2 * m, 2 * m)
    coop = v.focal_cooperation.reshape(2 * m, 2 * m)
    x = kernel.copy()
    a = epi.reach if not epi.is_neutral else 1.0
    floor = float(min(game.rstp))
    rec = {key: np.zeros(sc.periods) for key in ("cooperation", "mean_payoff", "inequality", "good_standing",
                                                  "advised")}
    shares = np.zeros((sc.periods, m))
    for t in range(sc.periods):
        z = np.stack([x * (1 - a), x * a], axis=1).ravel()  # joint shares over (type, advised)
        pi_variant = pay @ z
        pi_type = (pi_variant.reshape(m, 2) * np.array([1 - a, a])).sum(1)
        rec["cooperation"][t] = float(z @ coop @ z)
        rec["mean_payoff"][t] = float(x @ pi_type)
        rec["inequality"][t] = weighted_gini(pi_type - floor, x) if x.sum() > 0 else 0.0
        rec["good_standing"][t] = 1.0
        rec["advised"][t] = a
        shares[t] = x
        f = np.exp(sc.selection_intensity * (pi_type - pi_type.max()))
        x = x * f
        x = x / x.sum()
        x = (1 - sc.mutation) * x + sc.mutation * kernel
        a = a + epi.diffusion * a * (1 - a) if not epi.is_neutral else a
    return _result(sc, rec, shares, pd.DataFrame({"strategy": list(sc.strategies), "share": x}))
