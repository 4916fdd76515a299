"""Planning a spacewalk: plan files, translation routes over the station (:mod:`.routes`), the
CP-SAT scheduler and its outputs (docs/plan.md)."""
