-- A table: the scores and two tests read it; as a view each would score every signal again.
{{ config(materialized="table") }}
-- Timing: the decayed signal points per account, capped at 100, with the signals behind it.
select
    account_id,
    -- Summed as decimals: a sum of doubles depends on the order the engine adds them in,
    -- and the same signals must give the same score to the last bit.
    least(100, cast(sum(cast(points as decimal(18, 6))) as double)) as timing_score,
    count(*) as timing_signal_count,
    max(observed_on) as last_signal_on,
    {{ ordered_join(
        "signal || ' ' || cast(observed_on as " ~ dbt.type_string() ~ ") || ' ('"
        ~ " || cast(round(points, 1) as " ~ dbt.type_string() ~ ") || ')'",
        '; ', ['-points', 'signal', 'observed_on']
    ) }} as timing_signals
from {{ ref('int_signals__decayed') }}
group by account_id
