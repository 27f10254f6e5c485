select
    rep_id,
    name as rep_name,
    upper(role) as role,
    -- ';'-separated segment names, normalised so the allocation can split them.
    replace(lower(segments), ' ', '') as segments,
    region,
    time_zone,
    -- ';'-separated language codes, for distribution.match_language.
    replace(lower(languages), ' ', '') as languages,
    target_book_size as target_book_size_override,
    start_date,
    unavailable_until,
    departed_on,
    manager_id
from {{ source('books', 'reps') }}
