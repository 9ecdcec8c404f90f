"""The `ocpay` command line."""
