class DomainError(Exception):
    """A business rule said no. `message` is a sentence fit to show to staff as it is.

    Apps subclass it (BookingError, XeroError, SMSError); views show the message beside the
    field named by `field` (or above the form), the API answers `http_status` with it.
    """

    http_status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.extra = extra
