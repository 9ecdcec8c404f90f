from ocpay.cli.main import app

app()
