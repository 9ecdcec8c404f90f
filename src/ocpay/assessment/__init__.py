"""Assessment: read a pair's documentation and answer supported, compatible or needs development."""
