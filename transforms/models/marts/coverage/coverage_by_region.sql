-- Coverage of the market by region, one snapshot per run date.
{{ snapshot_config() }}

select
    {{ as_of_date() }} as as_of_date,
    region,
    {{ coverage_measures() }}
from {{ ref('int_accounts__coverage') }}
group by region
