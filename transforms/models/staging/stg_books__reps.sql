select
    r.rep_id,
    r.name as rep_name,
    upper(trim(r.role)) as role,
    -- ';'-separated segment names, normalised so the allocation can split them.
    replace(lower(r.segments), ' ', '') as segments,
    r.region,
    r.time_zone,
    -- ';'-separated language codes, for distribution.match_language.
    replace(lower(r.languages), ' ', '') as languages,
    r.target_book_size as target_book_size_override,
    r.start_date,
    r.unavailable_until,
    r.departed_on,
    r.manager_id,
    -- Only an active CRM user can own accounts (a rep missing from User.csv never loads).
    coalesce(u.IsActive, false) as is_crm_user_active
from {{ source('books', 'reps') }} as r
left join {{ source('salesforce', 'users') }} as u on r.rep_id = u.Id
