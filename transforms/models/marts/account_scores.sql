-- One row per account: segment, fit, timing and the distribution priority, each explained.
-- Fit is the rules' points model; with no fit configured it falls back to the seed's
-- "sort by employee count, then revenue", as a 0-100 percentile. Priority blends fit and
-- timing with the rules' weights, so in-market high-fit accounts come first.
{%- set fit_configured = rule('derived.fit_configured') %}
{%- set weights = rule('priority') %}

with fit as (
    select
        *,
        {% if fit_configured -%}
            fit_score as fit,
            'fit ' || cast(round(fit_score, 1) as {{ dbt.type_string() }})
            || ' = industry ' || cast(fit_industry_points as {{ dbt.type_string() }})
            || ' + country ' || cast(fit_country_points as {{ dbt.type_string() }})
            || ' + employees ' || cast(fit_employees_points as {{ dbt.type_string() }})
            || ' + revenue '
            || cast(fit_revenue_points as {{ dbt.type_string() }}) as fit_explanation
        {%- else -%}
        100 * percent_rank() over (
            order by coalesce(number_of_employees, 0), coalesce(annual_revenue, 0)
        ) as fit,
        'no fit score configured: ranked by employees, then revenue' as fit_explanation
        {%- endif %}
    from {{ ref('int_accounts__fit_scored') }}
),

scored as (
    select
        f.*,
        coalesce(t.timing_score, 0) as timing,
        coalesce(t.timing_signal_count, 0) as timing_signal_count,
        t.timing_signals,
        {{ weights.fit_weight }} * f.fit + {{ weights.timing_weight }} * coalesce(t.timing_score, 0)
            as blended
    from fit as f
    left join {{ ref('int_accounts__timing_scored') }} as t on f.account_id = t.account_id
)

select
    account_id,
    account_name,
    crm_owner_id,
    scored.segment,
    industry,
    billing_country,
    {{ country_lookup('regions', 'billing_country') }} as region,
    {{ country_lookup('languages', 'billing_country') }} as language,
    -- "Country/State" first, so a US state can sit in its own time zone.
    coalesce(
        {{ country_lookup('time_zones', "billing_country || '/' || billing_state") }},
        {{ country_lookup('time_zones', 'billing_country') }}
    ) as time_zone,
    number_of_employees,
    annual_revenue,
    is_customer,
    open_opportunities,
    is_retired,
    review_decision,
    review_decided_on,
    is_new_business,
    scope_reason,
    -- TAM: the ICP (fit at or above the rules' floor); NBTAM: the part open to new business.
    not is_retired and fit >= {{ rule('fit.icp_min_score') }} as is_tam,
    not is_retired and fit >= {{ rule('fit.icp_min_score') }} and is_new_business as is_nbtam,
    round(fit, 4) as fit_score,
    fit_industry_points,
    fit_country_points,
    fit_employees_points,
    fit_revenue_points,
    fit_explanation,
    round(timing, 4) as timing_score,
    timing_signal_count,
    timing_signals,
    round(blended, 4) as priority,
    -- What the account is worth working: priority as a probability times the segment's
    -- average won deal (0 while the segment has no won deal yet).
    round(blended / 100 * coalesce(d.average_won_amount, 0), 2) as expected_value,
    'priority ' || cast(round(blended, 1) as {{ dbt.type_string() }})
    || ' = {{ weights.fit_weight }} x fit '
    || cast(round(fit, 1) as {{ dbt.type_string() }})
    || ' + {{ weights.timing_weight }} x timing '
    || cast(round(timing, 1) as {{ dbt.type_string() }}) as priority_explanation,
    -- The market's order, best first: equal priorities go to the more valuable account
    -- (revenue, then employees), then the lower id. Every ranking follows it: the
    -- allocation's distribution and queues, segment_rank, claim_queue.
    row_number() over (
        order by
            round(blended, 4) desc,
            annual_revenue desc nulls last,
            number_of_employees desc nulls last,
            account_id
    ) as value_rank,
    row_number() over (
        partition by scored.segment
        order by
            round(blended, 4) desc,
            annual_revenue desc nulls last,
            number_of_employees desc nulls last,
            account_id
    ) as segment_rank
from scored
left join {{ ref('int_segments__deal_size') }} as d on scored.segment = d.segment
