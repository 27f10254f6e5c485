"""A refusal: a run that stops on something the person can fix says so in one line.

A refused review decision, a run date not a date, a landing file or a rules value that
breaks a rule: the reason is the whole message. `dg.Failure` carries it as the failure's
description, but Dagster's run view prints the step's stack trace under it, and to a
RevOps person a stack trace reads as a crash. Dagster prints no stack for an error it
received already serialized from another process (it shows that error as it was sent),
so a refusal is a `dg.Failure` that is also such an error, sent with no stack.

This is the one place the code location leans on a Dagster internal
(`DagsterUserCodeProcessError`); `tests/integration/test_refusal.py` fails when an
upgrade changes how Dagster serializes it, and the UI test reads the run page.
"""

import dagster as dg
from dagster._core.errors import DagsterUserCodeProcessError
from dagster_shared.error import SerializableErrorInfo


class Refusal(DagsterUserCodeProcessError, dg.Failure):
    """`raise Refusal(reason)`: the step fails, not retried, with `reason` as the
    failure's description and as the only text of its error."""

    def __init__(self, reason: str):
        sent = SerializableErrorInfo(message=reason, stack=[], cls_name=None)
        super().__init__(reason, user_code_process_error_infos=[sent])
        self.allow_retries = False
