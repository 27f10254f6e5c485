"""`books simulate` in the Dagster UI: a job whose launchpad takes the scenario, the seeds,
the policies and the what-ifs as typed config, and an asset that carries the summary and
the report's link. It reads no warehouse: a simulated market is its own."""

import dagster as dg
from pydantic import Field

from orchestration.files import ExportFolder
from orchestration.refusal import Refusal

POLICIES = ["static", "wild_west", "round_robin", "claim_queue", "dynamic"]


class SimulationConfig(dg.Config):
    scenario: str = Field(
        default="default",
        description="A scenario of simulation/scenarios (default, seed_jane_joe, "
        "uneven_territories, even_market, lose_three_reps) or a YAML file",
    )
    seeds: int = Field(default=30, ge=1, le=1000, description="Markets to draw (0 for none)")
    expected_value: bool = Field(
        default=False,
        description="One run of the expected values instead of drawn outcomes (the seed's "
        "example is exact this way)",
    )
    policies: list[str] = Field(default=POLICIES, description="static is always compared")
    overrides: dict[str, str] = Field(
        default_factory=dict,
        description="What if: dotted scenario keys and values, e.g. team.capacity: '80', "
        "rules.working_window_days: '45'",
    )
    workers: int = Field(default=2, ge=1, le=64, description="Processes the seeds run in")


@dg.asset(
    key=["simulation", "comparison"],
    group_name="simulation",
    kinds={"python", "plotly"},
    description="A simulated year of a market under each policy: each figure's lift "
    "against static territories with its 95 % interval, and the HTML report",
)
def simulated_year(
    context: dg.AssetExecutionContext, config: SimulationConfig, exports: ExportFolder
) -> dg.MaterializeResult:
    from simulation.compare import compare
    from simulation.report import html_report, text_table
    from simulation.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(config.scenario, config.overrides)
        scenario = scenario.model_copy(update={"expected_value": config.expected_value})
        seeds = list(range(1, 2 if config.expected_value else config.seeds + 1))
        result = compare(scenario, config.policies, seeds, config.workers)
    except (ScenarioError, ValueError) as exc:
        raise Refusal(str(exc).splitlines()[0]) from None
    table = text_table(result)
    context.log.info(table)
    folder = exports.abs_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"simulation_{scenario.name}.html"
    path.write_text(html_report(result), encoding="utf-8")
    lifts = result.table()
    opportunities = lifts[lifts["metric"] == "opportunities"].set_index("policy")
    return dg.MaterializeResult(
        metadata={
            "summary": dg.MetadataValue.md(f"```\n{table}\n```"),
            "report": dg.MetadataValue.url(exports.link(path)),
            "report_path": dg.MetadataValue.path(str(path)),
            "seeds": len(seeds),
            **{
                f"opportunities_{policy}": float(row["mean"])
                for policy, row in opportunities.iterrows()
            },
        }
    )


simulation = dg.define_asset_job(
    "simulation",
    selection=dg.AssetSelection.assets(["simulation", "comparison"]),
    executor_def=dg.in_process_executor,
    description="Simulate a year of a market under each policy (books simulate)",
)
