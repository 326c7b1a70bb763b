"""The renewal-probability model (README, "Finance: renewal model"): point-in-time features
(`features`), a logistic regression fitted on resolved renewals (`fit`), hold-out scores and a
calibration table (`evaluation`), the documented prior (`prior`), scoring with explained terms
(`scoring`), writes (`services`) and reads (`selectors`)."""
