-- Fit: the points model of the rules file, each factor kept so the score explains itself.
{%- set fit = rule('fit') %}


with factors as (
    select
        *,
        cast({{ points_lookup('industry', fit.industry) }} as double) as fit_industry_points,
        cast({{ points_lookup('billing_country', fit.country) }} as double) as fit_country_points,
        cast({{ points_bands('number_of_employees', fit.employees) }} as double)
            as fit_employees_points,
        cast({{ points_bands('annual_revenue', fit.annual_revenue) }} as double)
            as fit_revenue_points
    from {{ ref('int_accounts__segmented') }}
)

select
    *,
    least(
        100, fit_industry_points + fit_country_points + fit_employees_points
        + fit_revenue_points
    ) as fit_score
from factors
