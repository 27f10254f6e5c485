select
    Id as opportunity_id,
    AccountId as account_id,
    OwnerId as owner_id,
    StageName as stage_name,
    -- An implausible amount is a review-queue warning (amount_plausible) and no number.
    case when Amount <= {{ rule('plausible.max_deal_amount') }} then Amount end as amount,
    CreatedDate as created_at,
    CloseDate as close_date,
    coalesce(IsClosed, false) as is_closed,
    coalesce(IsWon, false) as is_won
from {{ source('salesforce', 'opportunities') }}
