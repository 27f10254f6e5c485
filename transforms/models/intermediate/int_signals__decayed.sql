-- A table: the timing score and the tests read it; as a view each would decay every signal again.
{{ config(materialized="table") }}
-- Every timing signal within the lookback, as points decayed by its age:
-- intent (by account id, else by domain) and inbound hand raises.
{%- set timing = rule('timing') %}

with intent as (
    select
        coalesce(s.account_id, d.account_id) as account_id,
        'intent:' || s.signal_type as signal,
        s.signal_source as source,
        cast(s.observed_at as date) as observed_on,
        ({{ points_lookup('s.signal_type', timing.signal_weights) }})
        * least(greatest(s.strength, 0), 100) / 100.0 as points
    from {{ ref('stg_intent__signals') }} as s
    left join (
        select domain, min(account_id) as account_id
        from {{ ref('int_accounts__domains') }}
        group by domain
    ) as d on s.account_id is null and {{ registrable_domain('s.account_domain') }} = d.domain
),

hand_raises as (
    select
        account_id,
        'hand_raise:' || lead_source as signal,
        'lead ' || lead_id as source,
        cast(created_at as date) as observed_on,
        {{ points_lookup('lead_source', timing.hand_raise_weights) }} as points
    from {{ ref('int_leads__matched_to_accounts') }}
    where is_matched
),

signals as (
    select * from intent
    union all
    select * from hand_raises
)

select
    account_id,
    signal,
    source,
    observed_on,
    points as points_at_observation,
    {{ decayed('points', 'observed_on') }} as points
from signals
where
    account_id is not null
    and points > 0
    and observed_on <= {{ as_of_date() }}
    and observed_on > {{ as_of_date() }} - {{ timing.lookback_days }}
