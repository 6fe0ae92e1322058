class PaymentError(Exception):
    """A refused payment action; `code` is the API's machine code, the message is for people."""

    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status
