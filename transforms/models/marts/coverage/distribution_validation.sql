-- Did distribution work? Per day's cohort of accounts sent to books (distribution,
-- redistribution, claim): the share the receiving rep worked within 7 / 14 / 30 days, the
-- returns by reason, and the opportunities and pipeline created within 30 / 60 / 90 days.
-- A share is null until the cohort is old enough to tell.
{%- set reasons = rule('derived.allowed_returns') %}

with entered as (
    select account_id, to_rep_id as rep_id, as_of_date as entered_on, kind
    from {{ ref('ownership_events') }}
    where kind in ('distribution', 'redistribution', 'claim') and to_rep_id is not null
),

first_work as (
    select
        e.account_id,
        e.rep_id,
        e.entered_on,
        min(a.activity_date) as first_worked_on
    from entered as e
    inner join {{ ref('int_activities__classified') }} as a
        on
            e.account_id = a.account_id and e.rep_id = a.rep_id
            and a.is_meaningful and a.activity_date >= e.entered_on
    group by e.account_id, e.rep_id, e.entered_on
),

returned as (
    -- The first return by the receiving rep after the account entered their book.
    select account_id, rep_id, entered_on, reason
    from (
        select
            e.account_id,
            e.rep_id,
            e.entered_on,
            r.reason_code as reason,
            row_number() over (
                partition by e.account_id, e.rep_id, e.entered_on order by r.as_of_date, r.seq
            ) as nth
        from entered as e
        inner join {{ ref('ownership_events') }} as r
            on
                e.account_id = r.account_id and e.rep_id = r.from_rep_id
                and r.kind = 'return' and r.as_of_date >= e.entered_on
    ) as returns
    where nth = 1
),

pipeline as (
    select
        e.account_id,
        e.rep_id,
        e.entered_on,
        {%- for days in [30, 60, 90] %}
            {{ count_where("cast(o.created_at as date) < e.entered_on + " ~ days) }}
                as opportunities_{{ days }}d,
            coalesce(sum(
                case when cast(o.created_at as date) < e.entered_on + {{ days }} then o.amount end
            ), 0)
                as pipeline_{{ days }}d{% if not loop.last %},{% endif %}
        {%- endfor %}
    from entered as e
    inner join {{ ref('stg_salesforce__opportunities') }} as o
        on e.account_id = o.account_id and cast(o.created_at as date) >= e.entered_on
    group by e.account_id, e.rep_id, e.entered_on
),

cohort as (
    select
        e.*,
        {{ dbt.datediff('e.entered_on', as_of_date(), 'day') }}
            as age_days,
        {{ dbt.datediff('e.entered_on', 'w.first_worked_on', 'day') }}
            as days_to_work,
        r.reason as returned_reason,
        {%- for days in [30, 60, 90] %}
            p.opportunities_{{ days }}d,
            p.pipeline_{{ days }}d{% if not loop.last %},{% endif %}
        {%- endfor %}
    from entered as e
    left join first_work as w using (account_id, rep_id, entered_on)
    left join returned as r using (account_id, rep_id, entered_on)
    left join pipeline as p using (account_id, rep_id, entered_on)
)

select
    entered_on,
    kind,
    count(*) as accounts,
    {%- for days in [7, 14, 30] %}
        case when min(age_days) >= {{ days }} then round(
            {{ count_where("days_to_work < " ~ days) }} / count(*), 4
        ) end as worked_within_{{ days }}d_share,
    {%- endfor %}
    {%- for reason in reasons %}
        {{ count_where("returned_reason = " ~ sql_string(reason)) }} as returned_{{ reason }},
    {%- endfor %}
    {%- for days in [30, 60, 90] %}
        coalesce(sum(opportunities_{{ days }}d), 0) as opportunities_{{ days }}d,
        -- Rounded to the cent: a parallel sum of doubles may differ in its last bit.
        round(coalesce(sum(pipeline_{{ days }}d), 0), 2) as pipeline_{{ days }}d,
    {%- endfor %}
    {{ count_where("days_to_work is not null") }} as worked_so_far
from cohort
group by entered_on, kind
