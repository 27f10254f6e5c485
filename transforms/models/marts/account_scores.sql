-- One row per account: segment, fit and the distribution priority with its explanation.
-- Priority is the fit score when the rules configure one; otherwise the seed's
-- fallback, "sort by employee count, then revenue", as a 0-100 percentile.
{%- set fit_configured = rule('fit.industry') or rule('fit.country')
    or rule('fit.employees') or rule('fit.annual_revenue') %}

with scored as (
    select
        *,
        {% if fit_configured -%}
        fit_score as priority,
        'fit ' || cast(round(fit_score, 1) as varchar)
            || ' = industry ' || cast(fit_industry_points as varchar)
            || ' + country ' || cast(fit_country_points as varchar)
            || ' + employees ' || cast(fit_employees_points as varchar)
            || ' + revenue ' || cast(fit_revenue_points as varchar) as priority_explanation
        {%- else -%}
        100 * percent_rank() over (
            order by coalesce(number_of_employees, 0), coalesce(annual_revenue, 0)
        ) as priority,
        'no fit score configured: ranked by employees, then revenue' as priority_explanation
        {%- endif %}
    from {{ ref('int_accounts__fit_scored') }}
)

select
    account_id,
    account_name,
    crm_owner_id,
    segment,
    industry,
    billing_country,
    number_of_employees,
    annual_revenue,
    is_customer,
    open_opportunities,
    is_new_business,
    fit_score,
    fit_industry_points,
    fit_country_points,
    fit_employees_points,
    fit_revenue_points,
    round(priority, 4) as priority,
    priority_explanation,
    -- Stable tie-break: equal priorities are ordered by account id.
    row_number() over (partition by segment order by priority desc, account_id) as segment_rank
from scored
