"""Earnings-hook stand-ins the tests point PAYMENT_SETTLED_HOOKS / PAYMENT_REFUNDED_HOOKS at:
they only record what the payments code passed them."""

import threading

_lock = threading.Lock()
SETTLED: list[dict] = []
REFUNDED: list[dict] = []


def record_settled(**kwargs):
    with _lock:
        SETTLED.append(kwargs)


def record_refunded(**kwargs):
    with _lock:
        REFUNDED.append(kwargs)
