"""The baseline for single-ping latency: Flask that only parses the JSON and answers."""
from flask import Flask, request

app = Flask(__name__)


@app.post("/api/v1/pings")
def pings():
    body = request.get_json()
    return {"accepted": 1 if isinstance(body, dict) else 0}
