-- Fair by value, not by count: across active reps of the same role and segments (a peer
-- group), how evenly book value is spread. CV and Gini 0 = perfectly even.
with reps as (
    select
        peer_group,
        role,
        segments,
        rep_id,
        book_priority_sum as book_value,
        book_priority_mean
    from {{ ref('rep_books') }}
    where status = 'active'
),

ranked as (
    select
        *,
        row_number() over (partition by peer_group order by book_value, rep_id) as value_rank,
        count(*) over (partition by peer_group) as reps_in_group,
        sum(book_value) over (partition by peer_group) as group_value
    from reps
)

select
    peer_group,
    min(role) as role,
    min(segments) as segments,
    count(*) as reps,
    round(avg(book_value), 2) as book_value_mean,
    round(stddev_pop(book_value) / nullif(avg(book_value), 0), 4) as book_value_cv,
    -- Gini from the ranks of the sorted values: 2 * sum(i * x_i) / (n * sum x) - (n + 1) / n.
    round(
        2 * sum(value_rank * book_value) / nullif(max(reps_in_group) * max(group_value), 0)
        - (max(reps_in_group) + 1.0) / max(reps_in_group), 4
    ) as book_value_gini,
    round(max(book_value) / nullif(min(book_value), 0), 4) as book_value_max_min_ratio,
    round(stddev_pop(book_priority_mean) / nullif(avg(book_priority_mean), 0), 4)
        as mean_priority_cv
from ranked
group by peer_group
