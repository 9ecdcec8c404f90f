"""Wiring: settings, the services container, the event loop and the running CSMS."""
