"""Diagnostic flash campaigns: a regional campaign pins a checklist version, each
establishment answers its assessment; scores, maturity, regional comparison,
history and reminders."""
