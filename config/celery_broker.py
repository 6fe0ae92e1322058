"""Kombu's Redis transport, with one Redis client per channel and connection pool.

kombu 5.7's Redis channel builds a new `redis.Redis` for every command it sends outside the
worker's event loop (`Channel.conn_or_acquire`: each publish's LPUSH among them), and redis-py 8
fills some 170 response callbacks into every new client: a fifth of the CPU of a task publish
after a payment webhook (bench/README.md, "Writes: quiz submit and PayStack webhook", round
four). A client holds no connection of its own (each command takes one from the channel's pool
and gives it back) and is thread-safe, so the channel's one client per pool does the same work.
A new pool (after a disconnect) gets a new client. Used for `redis://` brokers
(settings.CELERY_BROKER_TRANSPORT); core/cache.py does the same for the cache's clients."""

from kombu.transport import redis


class Channel(redis.Channel):
    _shared_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:  # the worker's event loop: kombu keeps that client itself
            return super()._create_client(asynchronous=True)
        client = self._shared_client
        if client is None or client.connection_pool is not self.pool:
            client = self._shared_client = super()._create_client()
        return client


class Transport(redis.Transport):
    Channel = Channel
