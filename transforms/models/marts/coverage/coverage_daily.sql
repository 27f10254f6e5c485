-- Coverage of the whole market, one row per run date: the trend line.
{{ snapshot_config() }}

select
    {{ as_of_date() }} as as_of_date,
    {{ coverage_measures() }}
from {{ ref('int_accounts__coverage') }}
