"""Log cues that more than one kind reads: exception words, failed calls to other components, and deploy events."""

from __future__ import annotations

from core.catalogue.signature import LogCue, rx

#: Words of an exception in an application log (error_rate and bad_deploy).
EXCEPTION_WORDS = r"unhandled|traceback|exception|panic|internal server error|stack trace"

#: An error about a call or connection to another component: a dependency's failure, not the service's own code.
CALL_FAILURE = rx(r"connection|connect timeout|unreachable|timed out|upstream|calling |refused")

#: A deploy, rollout or version change announced in the logs (any level): shared by bad_deploy and error_rate.
DEPLOY_EVENT = LogCue(
    "deploy event",
    rx(
        r"\bdeploy(ed|ing|ment)?\b.*\bv(ersion)?\s*\d|\brolled out\b|\brolling (out|update)\b|\brollout\b|"
        r"\bnew version\b|\brelease v?\d+\.\d+|\bupgraded? (to|from) v?\d"
    ),
    3.0,
    levels=frozenset(),
    exclude=rx(r"rollback|rolled back|rolling restart"),
    event=True,
)
