-- Where each opportunity came from: an account distributed to its owner (within 90 days
-- before), one already in the owner's book when dynamic books started, or one the rep
-- sourced themselves; and whether it was created before or after the switch to dynamic
-- books (the first run), for before / after comparisons.
with switch as (
    select min(as_of_date) as started_on from {{ ref('ownership_events') }}
),

received as (
    select
        o.opportunity_id,
        max(case when e.kind in ('distribution', 'redistribution', 'claim') then e.as_of_date end)
            as distributed_on,
        max(case when e.kind = 'adoption' then 1 else 0 end) = 1 as adopted
    from {{ ref('stg_salesforce__opportunities') }} as o
    inner join {{ ref('ownership_events') }} as e
        on
            o.account_id = e.account_id and o.owner_id = e.to_rep_id
            and e.as_of_date <= cast(o.created_at as date)
    group by o.opportunity_id
)

select
    o.opportunity_id,
    o.account_id,
    o.owner_id as rep_id,
    cast(o.created_at as date) as created_on,
    cast({{ dbt.date_trunc('month', 'o.created_at') }} as date) as created_month,
    o.amount,
    o.is_won,
    case
        when s.started_on is null or cast(o.created_at as date) < s.started_on then 'before'
        else 'after'
    end as period,
    case
        when r.distributed_on >= cast(o.created_at as date) - 90 then 'distributed'
        when r.adopted then 'book'
        when s.started_on is null or cast(o.created_at as date) < s.started_on then 'before_books'
        else 'self_sourced'
    end as source
from {{ ref('stg_salesforce__opportunities') }} as o
cross join switch as s
left join received as r on o.opportunity_id = r.opportunity_id
