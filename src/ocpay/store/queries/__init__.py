"""The queries of each domain: every SQL statement the domains run lives in one module per domain here.

Functions take an open session (the caller owns the unit of work) and return model objects or plain values.
"""
