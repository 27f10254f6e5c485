-- Each rep's book on the latest run date: size against capacity (after ramp and leave),
-- how much of it is worked, its quality, its age, and what left it in the last 30 days.
{%- set reasons = rule('derived.allowed_returns') %}

with capacity as (
    select *
    from {{ ref('stg_allocation__rep_capacity') }}
    where as_of_date = (select max(as_of_date) from {{ ref('stg_allocation__rep_capacity') }})
),

books as (
    select
        b.rep_id,
        -- Capacity governs new business: a customer or an open deal takes no slot.
        {{ count_where("st.book_state <> 'out_of_scope'") }} as book_size,
        {{ count_where("st.book_state = 'out_of_scope'") }} as out_of_scope_accounts,
        {{ count_where("st.book_state = 'working'") }} as worked_accounts,
        {{ count_where("st.book_state = 'in_grace'") }} as in_grace_accounts,
        -- Neither worked nor newly arrived: held, not worked.
        {{ count_where("st.book_state = 'due_for_retrieval'") }} as idle_accounts,
        -- Held since the switch and not worked: in grace, but no new arrival.
        {{ count_where("st.book_state = 'in_grace' and b.entered_by = 'adoption'") }}
            as adopted_unworked_accounts,
        -- Summed as exact decimals (priority has 4 places, value 2): a parallel sum of
        -- doubles can differ in its last bit from run to run, and rounding it afterwards
        -- does not make that go away; the same input must give the same numbers.
        cast(sum(cast(b.priority as decimal(18, 4))) as double) as book_priority_sum,
        round(cast(avg(cast(b.priority as decimal(18, 4))) as double), 4) as book_priority_mean,
        cast(sum(cast(s.expected_value as decimal(18, 2))) as double) as book_expected_value_sum,
        round(cast(avg(cast(s.expected_value as decimal(18, 2))) as double), 2)
            as book_expected_value_mean,
        avg({{ dbt.datediff('b.entered_on', as_of_date(), 'day') }}) as mean_days_in_book,
        sum(coalesce(a.meaningful_activities_30d, 0)) as meaningful_activities_30d
    from {{ ref('current_books') }} as b
    inner join {{ ref('account_scores') }} as s on b.account_id = s.account_id
    inner join {{ ref('account_states') }} as st
        on b.account_id = st.account_id and b.lane = st.lane
    left join {{ ref('int_pairs__activity_summed') }} as a
        on b.account_id = a.account_id and b.rep_id = a.rep_id
    group by b.rep_id
),

exits as (
    select
        from_rep_id as rep_id,
        {{ count_where("kind = 'retrieval'") }} as retrievals_30d,
        {%- for reason in reasons %}
            {{ count_where("kind = 'return' and reason_code = " ~ sql_string(reason)) }}
                as returns_30d_{{ reason }},
        {%- endfor %}
        {{ count_where("kind = 'return'") }} as returns_30d
    from {{ ref('ownership_events') }}
    where from_rep_id is not null and as_of_date > {{ as_of_date() }} - 30
    group by from_rep_id
)

select
    c.rep_id,
    u.user_name as rep_name,
    u.email as rep_email,
    c.as_of_date,
    c.role,
    c.segments,
    c.role || ':' || c.segments as peer_group,
    c.status,
    c.target_book_size,
    c.ramp_share,
    c.capacity,
    coalesce(b.book_size, 0) as book_size,
    coalesce(b.out_of_scope_accounts, 0) as out_of_scope_accounts,
    greatest(c.capacity - coalesce(b.book_size, 0), 0) as free_capacity,
    round(coalesce(b.book_size, 0) / nullif(c.capacity, 0), 4) as book_to_capacity,
    coalesce(b.worked_accounts, 0) as worked_accounts,
    round(b.worked_accounts / nullif(b.book_size, 0), 4) as worked_share,
    coalesce(b.in_grace_accounts, 0) as in_grace_accounts,
    coalesce(b.idle_accounts, 0) as idle_accounts,
    coalesce(b.adopted_unworked_accounts, 0) as adopted_unworked_accounts,
    coalesce(b.book_priority_sum, 0) as book_priority_sum,
    b.book_priority_mean,
    coalesce(b.book_expected_value_sum, 0) as book_expected_value_sum,
    b.book_expected_value_mean,
    round(b.mean_days_in_book, 1) as mean_days_in_book,
    round(b.meaningful_activities_30d / nullif(b.book_size, 0), 2)
        as meaningful_activities_30d_per_account,
    coalesce(p.phantom_share_90d, 0) as phantom_share_90d,
    coalesce(x.retrievals_30d, 0) as retrievals_30d,
    coalesce(x.returns_30d, 0) as returns_30d,
    {%- for reason in reasons %}
        coalesce(x.returns_30d_{{ reason }}, 0) as returns_30d_{{ reason }},
    {%- endfor %}
    -- Passive territory: far more accounts held than worked. New arrivals in grace aside, but
    -- not accounts held since the switch: a book adopted from the CRM is held, not new.
    coalesce(
        (b.idle_accounts + b.adopted_unworked_accounts) / nullif(b.book_size, 0)
        > {{ rule('activity.hoarding_unworked_share') }},
        false
    ) as is_hoarding
from capacity as c
left join books as b on c.rep_id = b.rep_id
left join exits as x on c.rep_id = x.rep_id
left join {{ ref('int_reps__phantom_activity') }} as p on c.rep_id = p.rep_id
left join {{ ref('stg_salesforce__users') }} as u on c.rep_id = u.user_id
