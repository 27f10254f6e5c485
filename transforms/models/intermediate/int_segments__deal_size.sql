-- The average won deal per segment, all history: what a won account of the segment is worth.
select
    s.segment,
    count(*) as won_opportunities,
    round(avg(o.amount), 2) as average_won_amount
from {{ ref('stg_salesforce__opportunities') }} as o
inner join {{ ref('int_accounts__segmented') }} as s on o.account_id = s.account_id
where o.is_won and o.amount is not null
group by s.segment
