-- Pipeline created per month, by where it came from, marked before / after the switch to
-- dynamic books: the before / after comparison in one table.
select
    created_month,
    period,
    source,
    count(*) as opportunities,
    round(coalesce(sum(amount), 0), 2) as pipeline_amount,  -- to the cent: same input, same bytes
    {{ count_where("is_won") }} as won_opportunities,
    count(distinct account_id) as accounts
from {{ ref('opportunity_sources') }}
-- An opportunity with no creation date belongs to no month (the review queue flags it).
where created_month is not null
group by created_month, period, source
