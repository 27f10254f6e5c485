-- Values the rules do not know, one row per distinct value with how many records hold it:
-- an industry fit.industry does not list, a country that is no country or that fit.country
-- does not score, a lead source or an intent signal type timing gives no weight. Each
-- scores 0 for its factor; the review queue shows them so RevOps can fix the rules (a key
-- with 0 points acknowledges a value) or the data.
{%- set fit = rule('fit') %}
{%- set timing = rule('timing') %}
{%- set industries = [] %}
{%- for key in fit.industry %}{% do industries.append(rule_key_of(key)) %}{% endfor %}
{%- set parts = [] %}
{#- Every part names its columns: any of them may be the union's first (an empty factor,
    the documented fit fallback, drops its part). -#}
{%- if fit.industry %}
{%- do parts.append(
    "select 'Industry' as column_name, 'unknown_industry' as rule, 'fit.industry' as rules_key, "
    ~ "trim(industry) as value, count(*) as accounts from accounts "
    ~ "where nullif(trim(industry), '') is not null and " ~ rule_key('industry')
    ~ " not in " ~ sql_list(industries) ~ " group by trim(industry)") %}
{%- endif %}
{%- do parts.append(
    "select 'BillingCountry' as column_name, 'not_a_country' as rule, 'fit.country' as rules_key, "
    ~ "trim(billing_country_as_written) as value, "
    ~ "count(*) as accounts from accounts where not is_country_known "
    ~ "and nullif(trim(billing_country_as_written), '') is not null "
    ~ "group by trim(billing_country_as_written)") %}
{%- if fit.country %}
{%- do parts.append(
    "select 'BillingCountry' as column_name, 'unscored_country' as rule, 'fit.country' as rules_key, "
    ~ "billing_country as value, count(*) as accounts "
    ~ "from accounts where is_country_known and billing_country not in "
    ~ sql_list(fit.country.keys() | list) ~ " group by billing_country") %}
{%- endif %}
{%- for column, model, weights, name, path in [
    ('LeadSource', 'leads', timing.hand_raise_weights, 'unknown_lead_source',
        'timing.hand_raise_weights'),
    ('signal_type', 'signals', timing.signal_weights, 'unknown_signal_type',
        'timing.signal_weights'),
] %}
    {%- set known = [] %}
    {%- for key in weights %}{% do known.append(rule_key_of(key)) %}{% endfor %}
    {%- set value = 'lead_source' if model == 'leads' else 'signal_type' %}
{%- do parts.append(
    "select '" ~ column ~ "' as column_name, '" ~ name ~ "' as rule, '" ~ path
    ~ "' as rules_key, trim(" ~ value ~ ") as value, count(*) as accounts from "
    ~ model ~ " where nullif(trim(" ~ value ~ "), '') is not null and " ~ rule_key(value)
    ~ " not in " ~ sql_list(known) ~ " group by trim(" ~ value ~ ")") %}
{%- endfor %}

with accounts as (
    select industry, billing_country, billing_country_as_written, is_country_known
    from {{ ref('stg_salesforce__accounts') }}
),

leads as (select lead_source from {{ ref('stg_salesforce__leads') }}),

signals as (select signal_type from {{ ref('stg_intent__signals') }}),

found as (
    {{ parts | join('\n    union all\n    ') }}
)

select
    column_name,
    rule,
    rules_key,
    value,
    accounts,
    cast(accounts as {{ dbt.type_string() }}) || ' '
    || case
        when rule = 'unknown_lead_source' then 'leads have'
        when rule = 'unknown_signal_type' then 'signals have'
        when accounts = 1 then 'account has'
        else 'accounts have'
    end
    || ' ' || column_name || ' ' || value || ', which ' || rules_key
    || case
        when rule = 'not_a_country' then ' cannot score: it is no ISO 3166 country'
        else ' does not list: 0 points'
    end
    || '. Fix the data, or add it to the rules (0 points acknowledges it).' as detail
from found
