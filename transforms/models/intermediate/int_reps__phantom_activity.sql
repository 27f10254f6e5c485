-- A table (a thousand rows), read by rep_books.
{{ config(materialized="table") }}
-- Per rep, over the last 90 days: how much of what they log is phantom activity. Summed
-- from the per-pair counts, which hold every activity with a rep; the share and the flag
-- are account_activity's own, so the two never disagree.

select
    rep_id,
    cast(sum(meaningful_activities_90d + phantom_activities_90d) as bigint) as activities_90d,
    cast(sum(phantom_activities_90d) as bigint) as phantom_activities_90d,
    any_value(rep_phantom_share_90d) as phantom_share_90d,
    any_value(rep_is_phantom_flagged) as is_phantom_flagged
from {{ ref('account_activity') }}
group by rep_id
having sum(meaningful_activities_90d + phantom_activities_90d) > 0
