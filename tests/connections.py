"""Reading the database as another process would: on a connection of its own."""

import threading

from django.db import connection


def from_another_connection(read):
    """`read()` run in a thread (so on its own database connection, closed after): what it
    returns, as a process that is not this test's transaction sees the rows now."""
    found = []

    def run():
        try:
            found.append(read())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return found[0] if found else None
