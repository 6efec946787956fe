from ncc.errors import DomainError


class BillingError(DomainError):
    """A billing rule said no; the message is a sentence for staff."""


class NeedsConfirmation(BillingError):
    """The action is allowed but unusual (invoicing a no-show): ask the person first."""

    code = "needs_confirmation"


class MissingMapping(BillingError):
    """No account/tax mapping for an appointment type: stop rather than bill it wrongly."""

    code = "missing_mapping"
