"""A simulated year (or part of one): one policy, one seed."""

from __future__ import annotations

from simulation import policies
from simulation.market import Market, draw
from simulation.metrics import Outcome, measure
from simulation.scenario import Scenario
from simulation.world import World


def _live(world: World, policy: str, days: int) -> World:
    acting = policies.make(policy)
    acting.start(world)
    for day in range(days):
        acting.day(world, day)
        world.touch(day)
        if world.cycle_ends(day):
            world.respond(day)
            acting.leave(world, day)
    return world


def simulate(scenario: Scenario, policy: str, seed: int, market: Market | None = None) -> Outcome:
    """The year of `scenario` under `policy` on `seed`'s market (drawn unless given: the
    same market for every policy of a seed)."""
    market = market if market is not None else draw(scenario, seed)
    world = _live(World(scenario, market, seed), policy, scenario.days)
    return measure(scenario, market, world)


def world_at(scenario: Scenario, policy: str, seed: int, day: int) -> World:
    """The world of `scenario` under `policy` on `seed` at the end of `day`, with what
    happened until then traced (for landing files)."""
    world = World(scenario, draw(scenario, seed), seed)
    world.trace = {"touches": [], "returns": [], "opportunities": []}
    return _live(world, policy, min(day, scenario.days - 1) + 1)
