-- The seed's audit of a static territory, on the CRM's own owners: how many accounts each
-- owner holds, how many they worked in 90 days, and how many high-value ones sit idle.
-- Run it before the switch to dynamic books, and keep watching it after. Whether a rep
-- hoards is rep_books' call, the one place hoarding is defined.
with threshold as (
    -- High value: the top quarter of NBTAM by priority.
    select percentile_cont(0.75) within group (order by priority) as high_priority
    from {{ ref('account_scores') }}
    where is_nbtam
),

held as (
    select
        s.crm_owner_id as rep_id,
        s.account_id,
        s.priority >= t.high_priority and s.is_nbtam as is_high_value,
        coalesce(a.meaningful_activities_90d, 0) > 0 as worked_90d
    from {{ ref('account_scores') }} as s
    cross join threshold as t
    left join {{ ref('int_pairs__activity_summed') }} as a
        on s.account_id = a.account_id and s.crm_owner_id = a.rep_id
    where s.crm_owner_id in (select rep_id from {{ ref('stg_books__reps') }})
),

capacity as (
    select rep_id, capacity
    from {{ ref('stg_allocation__rep_capacity') }}
    where as_of_date = (select max(as_of_date) from {{ ref('stg_allocation__rep_capacity') }})
)

select
    h.rep_id,
    count(*) as crm_accounts_held,
    any_value(c.capacity) as capacity,
    round(count(*) / nullif(any_value(c.capacity), 0), 2) as held_to_capacity,
    {{ count_where("h.worked_90d") }} as crm_accounts_worked_90d,
    round(1 - {{ count_where("h.worked_90d") }} / count(*), 4) as unworked_share,
    {{ count_where("h.is_high_value and not h.worked_90d") }} as high_value_idle,
    coalesce(any_value(r.is_hoarding), false) as is_hoarding
from held as h
left join capacity as c on h.rep_id = c.rep_id
left join {{ ref('rep_books') }} as r on h.rep_id = r.rep_id
group by h.rep_id
