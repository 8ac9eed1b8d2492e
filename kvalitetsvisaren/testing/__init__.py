"""Test support: a local Kolada v3 stand-in with fault injection, and pytest fixtures for it.
Imports any part of the package; the app never imports it.

* `standin`: `StandinServer` and the CLI ``python -m kvalitetsvisaren.testing.standin``;
* `encoded`: the pre-encoded items it serves;
* `faults`: `FaultRule` / `FaultPlan`, deterministic fault injection;
* `quirks`: `Quirks`, switches for plausible departures from the documented API;
* `synthetic`: `synthetic_store()`, a small store for fault and edge-case tests;
* `pytest_plugin`: the fixtures ``standin_server``, ``standin`` and ``standin_factory``.
"""
