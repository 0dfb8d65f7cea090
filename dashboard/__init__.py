"""The doctor's day at a glance."""
