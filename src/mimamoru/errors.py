"""Errors that reach an operator as one clear line.

Every failure an operator can cause (bad settings, a data dir that is not an
installation, a port in use, a malformed camera source) is raised as a
:class:`MimamoruError` whose message names the problem; the CLI prints it and
exits with :attr:`MimamoruError.exit_code` instead of showing a traceback.
"""


class MimamoruError(Exception):
    """An expected failure with a message meant for the operator."""

    exit_code = 1


class SettingsError(MimamoruError):
    """The settings file or environment holds something invalid."""


class InstallationError(MimamoruError):
    """The data dir is missing, not an installation, or unusable."""


class InstallationExistsError(InstallationError):
    """``init`` was pointed at a data dir that already holds an installation."""

    exit_code = 2


class SourceError(MimamoruError):
    """A camera source URL is malformed or uses an unsupported scheme."""


class DatabaseError(MimamoruError):
    """The metadata database cannot be reached or used."""


class TLSError(MimamoruError):
    """The TLS certificate or key cannot be used."""


class ServeError(MimamoruError):
    """The server cannot start (for example, the port is in use)."""


class NotFoundError(MimamoruError):
    """The requested object does not exist (or the caller may not know it does)."""


class ValidationFailedError(MimamoruError):
    """Input was well-formed but not acceptable; the message says why."""


class ConflictError(MimamoruError):
    """The request contradicts the current state (already on, already exists)."""


class ForbiddenError(MimamoruError):
    """The caller is known and the object visible, but this action is not theirs to take."""


class MasterKeyError(MimamoruError):
    """The master key is missing, malformed, or not this installation's."""

    exit_code = 3


class StorageError(MimamoruError):
    """Stored footage is missing, damaged, or cannot be written."""
