"""Planning a spacewalk: routes over the station (:mod:`.routes`) and the rest of issue 13."""
