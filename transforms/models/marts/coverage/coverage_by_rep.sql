-- Each rep's book as coverage: how much of it the rep worked in the last 30 / 60 / 90
-- days, one snapshot per run date.
{{ snapshot_config() }}

select
    {{ as_of_date() }} as as_of_date,
    b.rep_id,
    max(b.rep_name) as rep_name,
    count(*) as book_accounts,
    {{ count_where("s.is_nbtam") }} as nbtam_in_book,
    {%- for days in [30, 60, 90] %}
        {{ count_where("a.meaningful_activities_" ~ days ~ "d > 0") }} as worked_{{ days }}d,
        round({{ count_where("a.meaningful_activities_" ~ days ~ "d > 0") }} / count(*), 4)
            as worked_{{ days }}d_share,
    {%- endfor %}
    {{ count_where("coalesce(a.meaningful_activities_90d, 0) = 0") }} as not_worked_90d
from {{ ref('current_books') }} as b
inner join {{ ref('account_scores') }} as s on b.account_id = s.account_id
left join {{ ref('int_pairs__activity_summed') }} as a
    on b.account_id = a.account_id and b.rep_id = a.rep_id
group by b.rep_id
