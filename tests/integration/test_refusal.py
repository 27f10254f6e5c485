"""A refusal reads as one line in Dagster's run view: its reason, and no stack trace.

`orchestration.refusal` leans on how Dagster serializes an error sent from another
process; this test is what fails if an upgrade changes that."""

import dagster as dg

from orchestration.refusal import Refusal

REASON = "443e2c6f7baf is a warning item (amount_positive): it allows acknowledge, not retire"


@dg.asset(retry_policy=dg.RetryPolicy(max_retries=2))
def refused() -> None:
    raise Refusal(REASON)


def test_a_refusal_is_its_reason_alone_and_not_retried():
    result = dg.materialize([refused], raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    data = failure.step_failure_data
    # The run view prints the error's message and, when it has one, its stack and causes.
    assert data.error.message == REASON
    assert data.error.stack == [] and data.error.cause is None and data.error.context is None
    # Read as any dg.Failure is: the description, by the runner and the CLI.
    assert data.user_failure_data.description == REASON
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
