"""Entry point of a query worker process: ``python -m kg.web.worker_process FD STORE isolate|shared``."""
from __future__ import annotations

import socket
import sys

from kg.web.workers import worker_main

if __name__ == "__main__":
    worker_main(socket.socket(fileno=int(sys.argv[1])), sys.argv[2], sys.argv[3] == "isolate")
