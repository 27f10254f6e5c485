-- Account values the rules do not know, one row per distinct value with how many accounts
-- hold it: an industry fit.industry does not list, a country that is no country, a country
-- fit.country does not score. Each scores 0 for its factor; the review queue shows them so
-- RevOps can fix the rules (a key with 0 points acknowledges a value) or the data.
{%- set fit = rule('fit') %}
{%- set industries = [] %}
{%- for key in fit.industry %}{% do industries.append(rule_key_of(key)) %}{% endfor %}
{%- set parts = [] %}
{%- if fit.industry %}
{%- do parts.append(
    "select 'Industry' as column_name, 'unknown_industry' as rule, 'fit.industry' as rules_key, "
    ~ "trim(industry) as value, count(*) as accounts from accounts "
    ~ "where nullif(trim(industry), '') is not null and " ~ rule_key('industry')
    ~ " not in " ~ sql_list(industries) ~ " group by trim(industry)") %}
{%- endif %}
{%- do parts.append(
    "select 'BillingCountry', 'not_a_country', 'fit.country', trim(billing_country_as_written), "
    ~ "count(*) from accounts where not is_country_known "
    ~ "and nullif(trim(billing_country_as_written), '') is not null "
    ~ "group by trim(billing_country_as_written)") %}
{%- if fit.country %}
{%- do parts.append(
    "select 'BillingCountry', 'unscored_country', 'fit.country', billing_country, count(*) "
    ~ "from accounts where is_country_known and billing_country not in "
    ~ sql_list(fit.country.keys() | list) ~ " group by billing_country") %}
{%- endif %}

with accounts as (
    select industry, billing_country, billing_country_as_written, is_country_known
    from {{ ref('stg_salesforce__accounts') }}
),

found as (
    {{ parts | join('\n    union all\n    ') }}
)

select
    column_name,
    rule,
    rules_key,
    value,
    accounts,
    cast(accounts as varchar) || case when accounts = 1 then ' account has ' else ' accounts have ' end
        || column_name || ' ' || value || ', which ' || rules_key
        || case when rule = 'not_a_country' then ' cannot score: it is no ISO 3166 country'
            else ' does not list: 0 points' end
        || '. Fix the data, or add it to the rules (0 points acknowledges it).' as detail
from found
