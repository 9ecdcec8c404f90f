from ocpay.cli.main import app

if __name__ == "__main__":  # not when a worker process (spawned) imports the main module again
    app()
