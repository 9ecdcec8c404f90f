"""Charging: stations, sessions, id tokens, exports, remote commands and their log."""
