-- The ranked queues reps claim from in queue mode: eligible pool accounts, best first, one
-- queue per segment and per each attribute the rules match on (as the allocation's keys).
{%- set d = rule('distribution') %}
{%- set parts = ['s.segment'] %}
{%- if d.match_region %}{% do parts.append("coalesce(s.region, '?')") %}{% endif %}
{%- if d.match_language %}{% do parts.append("coalesce(s.language, '?')") %}{% endif %}
{%- if d.max_time_zone_gap_hours is not none -%}
    {% do parts.append("coalesce(s.time_zone, '?')") %}
{%- endif %}

select
    p.account_id,
    p.lane,
    {{ parts | join(" || ' / ' || ") }} as queue,
    row_number() over (
        partition by p.lane, {{ parts | join(', ') }}
        order by s.value_rank
    ) as queue_rank,
    p.priority,
    s.segment,
    s.region,
    s.language,
    s.time_zone
from {{ ref('pool') }} as p
inner join {{ ref('account_scores') }} as s on p.account_id = s.account_id
where p.pool_state = 'eligible'
