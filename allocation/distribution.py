"""Fair-by-value distribution: fill every fillable slot with the best eligible accounts,
then share them so peers end up with books of near-equal quality.

Two steps, each exact or provably fair, never touching account x rep pairs:

1. *Which accounts, to which peer class.* Reps with the same eligibility (the same set
   of segments) form a peer class; to the solver they are one sink with their summed
   free slots, and the accounts of one segment are interchangeable except for their
   priority. A min-cost max-flow (OR-Tools) over source -> segment (one unit arc per
   candidate account, cost = how far below the top priority it is, ties broken by account
   id) -> class -> sink
   fills every fillable slot and maximises the total priority. A segment only offers
   as many candidates as the classes that can take it have slots.
2. *Which rep in the class.* The class's accounts, best first, are dealt in the order
   of each rep's evenly spaced picks ((k + 1/2) / slots, the Sainte-Lague sequence), so
   a rep with 60 slots takes every other account of a 120-account run. Each rep's new
   accounts sample the class's quality evenly: mean priority per slot is near-equal,
   not first-come-best-served.

At the switch from static territories the pool also holds accounts a rep already owns
(`holder`). Continuity decides where the choice is otherwise equal: within one round of
the dealing (as many accounts as the class has reps, widened while priorities tie), the
round's accounts go to the round's reps with each account kept by its holder where the
holder takes a pick in that round. Every rep takes the same picks either way, so books stay
equal in value to a round's spread, and nobody's account moves for nothing.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

SCALE = 10_000  # priorities (0-100, 4 decimals) become integer costs
VALUE_RANK = "value_rank"


def with_value_rank(accounts: pd.DataFrame) -> pd.DataFrame:
    """Accounts with their place in the market, best first: `account_scores.value_rank`
    (priority, then revenue, then employees, then the account id), the one order every
    ranking here follows. A frame without it (a benchmark's, a test's) is ranked by
    priority, then account id."""
    if VALUE_RANK in accounts:
        return accounts
    order = np.lexsort((accounts["account_id"].to_numpy(), -accounts["priority"].to_numpy()))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return accounts.assign(**{VALUE_RANK: rank})


def _classes(reps: pd.DataFrame) -> pd.DataFrame:
    """reps (rep_id, segments ';'-separated, free_slots) -> one row per rep with its class."""
    reps = reps[reps["free_slots"] > 0].copy()
    reps["class_key"] = [";".join(sorted(set(str(s).split(";")))) for s in reps["segments"]]
    return reps.sort_values(["class_key", "rep_id"]).reset_index(drop=True)


def _evenly_spaced(counts: np.ndarray) -> np.ndarray:
    """Owner index of each pick when owners with `counts` slots take turns fairly."""
    owner = np.repeat(np.arange(len(counts)), counts)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    position = (k + 0.5) / np.repeat(counts, counts)
    return owner[np.lexsort((owner, position))]


def _deal_keeping_holders(
    sequence: np.ndarray, holders: np.ndarray, priority: np.ndarray, size: int
) -> np.ndarray:
    """Which pick of the dealing `sequence` (every slot's turn, fair by value) each account
    (best first) takes, its holder's where the choice is otherwise equal. The turns fall in
    rounds of `size` (a turn for every rep of the class) and a round runs on while the next
    account ties on priority; within a round each account goes to its holder if the holder
    has a turn in it, the others take the round's other turns in order. The last round keeps
    all its turns, so an account the class takes alone still finds its holder."""
    n, picks = len(holders), np.full(len(holders), -1)
    held = pd.notna(holders)
    start = 0
    while start < n:
        end = min(start + size, n)
        while end < n and priority[end] == priority[end - 1]:
            end += 1
        stop = start + -(-(end - start) // size) * size if end == n else end
        turns = range(start, min(len(sequence), stop))
        # Each rep's turns in the round, in order: a holder takes its first one left (a
        # scan of the round's turns per account made a 100k-account switch cost 15 s).
        free: dict[object, deque] = {}
        for t in turns:
            free.setdefault(sequence[t], deque()).append(t)
        taken = set()
        for k in range(start, end):  # holders first
            if held[k] and free.get(holders[k]):
                turn = free[holders[k]].popleft()
                picks[k] = turn
                taken.add(turn)
        rest = (t for t in turns if t not in taken)
        for k in range(start, end):
            if picks[k] < 0:
                picks[k] = next(rest)
        start = end
    return sequence[picks]


def distribute(pool: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Assigns pool accounts (account_id, segment, priority, optionally value_rank and
    holder) to reps (rep_id, segments, free_slots). Returns account_id, rep_id, class_key,
    class_rank (1 = best in the class's share), ordered by rep and rank. Deterministic:
    equal priorities go by value (`with_value_rank`); a holder keeps its account where the
    choice is otherwise equal (module docstring).
    """
    columns = ["account_id", "rep_id", "class_key", "class_rank"]
    pool = with_value_rank(pool)
    reps = _classes(reps)
    if reps.empty or pool.empty:
        return pd.DataFrame(columns=columns)
    classes = reps.groupby("class_key", sort=True)["free_slots"].sum()
    class_keys = list(classes.index)
    eligible = {key: key.split(";") for key in class_keys}
    codes, names = pd.factorize(pool["segment"], sort=True)
    segments = sorted({s for segs in eligible.values() for s in segs} & set(names))
    if not segments:
        return pd.DataFrame(columns=columns)

    # Only the best accounts a segment could possibly place are candidates: partition on
    # integer codes (no full sort of the pool), keeping ties at the cut, then sort those few.
    reach = {s: int(sum(classes[k] for k in class_keys if s in eligible[k])) for s in segments}
    values = pool["priority"].to_numpy(dtype=float)
    keep = []
    for j, name in enumerate(names):
        if name not in reach:
            continue
        rows = np.flatnonzero(codes == j)
        cut = len(rows) - reach[name]
        if cut > 0:
            threshold = np.partition(values[rows], cut)[cut]
            rows = rows[values[rows] >= threshold]
        keep.append(rows)
    candidates = pool.iloc[np.concatenate(keep)].sort_values(["segment", VALUE_RANK])
    rank = candidates.groupby("segment").cumcount().to_numpy()
    within = rank < candidates["segment"].map(reach).to_numpy()
    candidates, rank = candidates[within], rank[within]

    source, sink = 0, 1
    seg_node = {s: 2 + i for i, s in enumerate(segments)}
    class_node = {k: 2 + len(segments) + i for i, k in enumerate(class_keys)}
    priority = np.rint(candidates["priority"].to_numpy(dtype=float) * SCALE).astype(np.int64)
    top = int(priority.max()) if len(priority) else 0
    # Equal priorities go to the lower account id: the rank breaks ties, never a priority step.
    spread = int(rank.max()) + 2 if len(rank) else 1
    pairs = [(s, k) for k in class_keys for s in eligible[k] if s in seg_node]
    tails = np.concatenate(
        [
            np.full(len(candidates), source),
            [seg_node[s] for s, _ in pairs],
            [class_node[k] for k in class_keys],
        ]
    ).astype(np.int64)
    heads = np.concatenate(
        [
            candidates["segment"].map(seg_node).to_numpy(),
            [class_node[k] for _, k in pairs],
            np.full(len(class_keys), sink),
        ]
    ).astype(np.int64)
    total = int(classes.sum())
    capacities = np.concatenate(
        [
            np.ones(len(candidates), dtype=np.int64),
            [classes[k] for _, k in pairs],
            classes.to_numpy(),
        ]
    ).astype(np.int64)
    costs = np.concatenate(
        [(top - priority) * spread + rank, np.zeros(len(pairs) + len(class_keys))]
    ).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_nodes_supplies(np.array([source, sink]), np.array([total, -total]))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not solve: {status}")
    flows = flow.flows(arcs)
    chosen = candidates[flows[: len(candidates)] > 0]
    quota = {pair: int(f) for pair, f in zip(pairs, flows[len(candidates) :], strict=False) if f}

    # Deal each segment's chosen accounts (best first) to its classes by their quotas.
    shares = []
    for segment, accounts in chosen.groupby("segment", sort=True):
        takers = [k for s, k in quota if s == segment]
        picks = _evenly_spaced(np.array([quota[(segment, k)] for k in takers]))
        shares.append(accounts.assign(class_key=np.array(takers)[picks]))
    dealt = pd.concat(shares)

    out = []
    for key, accounts in dealt.groupby("class_key", sort=True):
        accounts = accounts.sort_values(VALUE_RANK)
        members = reps[reps["class_key"] == key]
        turns = members["rep_id"].to_numpy()[
            _evenly_spaced(members["free_slots"].to_numpy(dtype=np.int64))
        ]
        if "holder" in accounts and accounts["holder"].notna().any():
            to_rep = _deal_keeping_holders(
                turns,
                accounts["holder"].to_numpy(dtype=object),
                accounts["priority"].to_numpy(dtype=float),
                len(members),
            )
        else:
            to_rep = turns[: len(accounts)]
        out.append(
            pd.DataFrame(
                {
                    "account_id": accounts["account_id"].to_numpy(),
                    "rep_id": to_rep,
                    "class_key": key,
                    "class_rank": np.arange(1, len(accounts) + 1),
                }
            )
        )
    result = pd.concat(out, ignore_index=True)
    return result.sort_values(["rep_id", "class_rank"]).reset_index(drop=True)[columns]
