"""H2 — number of actors.

Milner (1992): prospects for cooperation rise as the number of interacting states falls.
Model: each cooperative encounter is a group of ``n_actors`` states playing an iterated
N-player game (``game``: public goods, N-person prisoner's dilemma, collective risk,
volunteer's dilemma) with group memory-one strategies (conditional cooperators).
``hold`` says what stays fixed as the group grows: the ``per_capita_return`` r/n (default;
only group size changes) or the ``multiplier`` r (returns to each member fall with n,
a second effect that experiments must report).

Neutral: ``n_actors=2`` with the scenario's 2x2 game (dyads). Prediction: fewer actors ->
more cooperation.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..._validation import check_choice, check_int, check_positive, check_probability
from .base import Mechanism

GROUP_GAMES = ("public_goods", "n_person_prisoners_dilemma", "collective_risk", "volunteers_dilemma")


@dataclass(frozen=True)
class Actors(Mechanism):
    HYPOTHESIS = "H2"
    NAME = "actors"
    PREDICTION = "fewer actors per encounter -> more cooperation"
    PARAMETER = "actors.n_actors"
    DIRECTION = -1
    SOURCES = ("Olson (1965) The Logic of Collective Action",
               "Oye (1985) World Politics 38:1-24",
               "Boyd & Richerson (1988) J. Theor. Biol. 132:337",
               "Hauert et al. (2006) J. Theor. Biol. 239:195")

    n_actors: int = 2
    game: str = "public_goods"
    hold: str = "per_capita_return"
    per_capita_return: float = 0.75
    multiplier: float = 1.5
    threshold_share: float = 0.5
    risk: float = 0.9

    def lockstep(self, scenario) -> bool:
        return True  # no hooks: it only sets the scenario's game, kernel or lengths

    def __post_init__(self) -> None:
        check_int("actors.n_actors", self.n_actors, minimum=2)
        check_choice("actors.game", self.game, GROUP_GAMES)
        check_choice("actors.hold", self.hold, ("per_capita_return", "multiplier"))
        check_positive("actors.per_capita_return", self.per_capita_return)
        check_positive("actors.multiplier", self.multiplier)
        check_probability("actors.threshold_share", self.threshold_share)
        check_probability("actors.risk", self.risk)

    @property
    def uses_groups(self) -> bool:
        """True when encounters are N-player groups (n_actors > 2)."""
        return self.n_actors > 2

    def stage_game(self, game_params: dict, n_actors: int | None = None):
        """The N-player game of ``game`` for groups of ``n_actors`` (default: this n_actors)."""
        from .. import games

        return games.get(self.game, "group").build(n_actors or self.n_actors, self, **game_params)
