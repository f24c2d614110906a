"""LibnnError: a failed libnn call, with its status and libnn's message."""
from .constants import Status


class LibnnError(Exception):
    """A libnn call returned a non-zero libnn_status.

    status       the code (int; compare with libnn.Status members)
    status_name  its C name, e.g. "LIBNN_E_INVALID"
    message      libnn_last_error() of the failed call, which says what to change,
                 e.g. "dense: units must be >= 1, got 0"
    """

    def __init__(self, status, message):
        self.status = int(status)
        try:
            self.status_name = 'LIBNN_' + Status(self.status).name
        except ValueError:
            self.status_name = f'libnn status {self.status}'
        self.message = message
        super().__init__(f'{message} [{self.status_name}]')
