-- Each rep's book against their capacity on the latest run date.
with capacity as (
    select *
    from {{ ref('stg_allocation__rep_capacity') }}
    where as_of_date = (select max(as_of_date) from {{ ref('stg_allocation__rep_capacity') }})
),

books as (
    select
        rep_id,
        count(*) as book_size,
        sum(priority) as book_priority_sum,
        avg(priority) as book_priority_mean
    from {{ ref('current_books') }}
    group by rep_id
)

select
    c.rep_id,
    u.user_name as rep_name,
    u.email as rep_email,
    c.as_of_date,
    c.role,
    c.segments,
    c.status,
    c.target_book_size,
    c.ramp_share,
    c.capacity,
    coalesce(b.book_size, 0) as book_size,
    greatest(c.capacity - coalesce(b.book_size, 0), 0) as free_capacity,
    coalesce(b.book_priority_sum, 0) as book_priority_sum,
    b.book_priority_mean
from capacity as c
left join books as b on c.rep_id = b.rep_id
left join {{ ref('stg_salesforce__users') }} as u on c.rep_id = u.user_id
