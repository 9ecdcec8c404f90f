"""The console's pages, one module per area; `ocpay.console.routes` puts them under /console."""
