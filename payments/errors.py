from core.errors import DomainError


class PaymentError(DomainError):
    """A refused payment action; `code` is the API's machine code, the message is for people."""
