select
    as_of_date,
    file,
    row_number,
    line_number,
    record_key,
    rule,
    severity,
    column_name,
    detail,
    raw_record
from {{ source('quality', 'quarantine') }}
