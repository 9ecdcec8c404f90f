"""Integration requests: the workflow from upload to verdict, feature requests and notifications."""
