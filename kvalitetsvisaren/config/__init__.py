"""config/indicators.yaml, validated (pydantic), one message naming file and field.
Imports only the base modules."""
