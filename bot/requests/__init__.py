"""Requests: what people send to an agency, and everything staff do to them.

`service` holds every change and every check (refusals are keyed `errors`, their texts in `texts/`,
rendered per locale by each surface); `sla` the agencies' clocks and targets; `escalation` the
overdue round; `cli` the `hoanhap requests` commands. docs/architecture.md uses this package as
the worked example of a noun.
"""
