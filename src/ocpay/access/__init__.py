"""Access: API tokens for operators and scripts (never mixed with id tokens)."""
