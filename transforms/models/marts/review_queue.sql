-- What RevOps reviews: rows quarantined by a data rule on the latest run date, accounts
-- reps returned as bad data, and account values the rules do not know.
with latest as (
    select max(as_of_date) as as_of_date from {{ ref('stg_quality__quarantine') }}
),

quarantined as (
    select
        q.as_of_date,
        'data_rule' as item_source,
        q.file,
        coalesce('row ' || q.row_number, 'line ' || q.line_number) as location,
        q.record_key,
        q.rule,
        q.severity,
        q.column_name,
        q.detail,
        q.raw_record,
        q.as_of_date as raised_on
    from {{ ref('stg_quality__quarantine') }} as q
    inner join latest on q.as_of_date = latest.as_of_date
),

returned_bad_data as (
    select
        {{ as_of_date() }} as as_of_date,
        'rep_return' as item_source,
        'book_returns.csv' as file,
        'row ' || source_row as location,
        account_id as record_key,
        'returned_as_bad_data' as rule,
        'blocking' as severity,
        cast(null as {{ dbt.type_string() }}) as column_name,
        'returned by ' || rep_id || coalesce(': ' || nullif(note, ''), '') as detail,
        cast(null as {{ dbt.type_string() }}) as raw_record,
        returned_on as raised_on
    from {{ ref('stg_books__returns') }}
    where reason = 'bad_data'
),

unknown_values as (
    -- One item per distinct value the rules do not know, not one per row.
    select
        {{ as_of_date() }} as as_of_date,
        'rule_value' as item_source,
        case rule
            when 'unknown_lead_source' then 'Lead.csv'
            when 'unknown_signal_type' then 'intent_signals.csv'
            else 'Account.csv'
        end as file,
        column_name || ' = ' || value as location,
        cast(null as {{ dbt.type_string() }}) as record_key,
        rule,
        'warning' as severity,
        column_name,
        detail,
        cast(null as {{ dbt.type_string() }}) as raw_record,
        {{ as_of_date() }} as raised_on
    from {{ ref('int_accounts__unknown_rule_values') }}
),

items as (
    select * from quarantined
    union all
    select * from returned_bad_data
    union all
    select * from unknown_values
),

keyed as (
    select
        -- Stable across runs: the record and the rule, not the row's place in today's file.
        -- (A key twice in a file under one rule, e.g. a duplicate id: numbered in file order.)
        substr(md5(concat_ws(
            '|', file, coalesce(record_key, location), rule, coalesce(column_name, ''),
            row_number() over (
                partition by file, coalesce(record_key, location), rule, column_name
                order by location
            )
        )), 1, 12) as review_item_id,
        case
            when item_source = 'rep_return' then 'bad_data_return'
            when severity = 'warning' then 'warning'
            when file = 'Account.csv' then 'blocked_account'
            else 'blocked_row'
        end as item_kind,
        *
    from items
)

select
    i.*,
    -- Open until RevOps decides; a bad-data return sent again after the run date the
    -- decision applies from is open again (the pool holds it in review, by the same dates).
    case
        when
            d.decision is not null
            and (i.item_kind != 'bad_data_return' or d.decided_on >= i.raised_on)
            then d.decision
        else 'open'
    end as status,
    d.decided_by,
    d.decided_on as decision_applies_from
from keyed as i
left join {{ ref('int_review_items__latest_decision') }} as d
    on i.review_item_id = d.review_item_id
