"""The municipality's own measures, targets and analyses (read, validated, saved).
Imports the base modules, data/, config/ and analysis/."""
