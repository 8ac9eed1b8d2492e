"""The rules, pure pandas/numpy: quartiles and ranks, trends, uncertainty, peers, flags.
Imports only the base modules and config/."""
