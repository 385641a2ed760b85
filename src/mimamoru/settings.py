"""The one settings tree.

Settings come from, in rising priority: defaults, ``DATA_DIR/mimamoru.toml``,
``MIMAMORU_*`` environment variables (nested keys joined with ``__``, e.g.
``MIMAMORU_SERVER__PORT``), and values the CLI passes explicitly. They are read
once at start-up; nothing else in the code reads the environment. Unknown keys
and wrong types stop start-up with one line naming the key and the reason.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from mimamoru.errors import SettingsError

CONFIG_FILE_NAME = "mimamoru.toml"

_config_file: ContextVar[Path | None] = ContextVar("mimamoru_config_file", default=None)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    tls_cert: Path | None = Field(
        default=None, description="PEM certificate chain; default DATA_DIR/tls/cert.pem"
    )
    tls_key: Path | None = Field(
        default=None, description="PEM private key; default DATA_DIR/tls/key.pem"
    )
    insecure_http: bool = Field(
        default=False, description="Serve plain HTTP (only behind a TLS-terminating proxy)"
    )
    hsts_max_age: int = Field(default=31_536_000, ge=0)


class RecordingSettings(Section):
    segment_seconds: float = Field(default=4.0, ge=0.5, le=300)
    keyframe_interval_seconds: float = Field(default=1.0, gt=0, le=10)
    encoder_preset: Literal[
        "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"
    ] = "veryfast"
    crf: int = Field(default=23, ge=0, le=51)
    bitrate_kbps: int | None = Field(
        default=None,
        ge=50,
        le=100_000,
        description="Target bitrate for re-encoded cameras; when set it replaces crf",
    )
    encoder_threads: int = Field(
        default=0, ge=0, le=64, description="libx264 threads per camera; 0 lets x264 choose"
    )
    decoder_threads: int = Field(
        default=0, ge=0, le=64, description="decoder threads per camera; 0 lets FFmpeg choose"
    )
    reconnect_initial_seconds: float = Field(default=1.0, gt=0, le=60)
    reconnect_max_seconds: float = Field(default=30.0, gt=0, le=600)
    open_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    read_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    watchdog_seconds: float = Field(default=30.0, gt=0, le=600)
    reconcile_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often the server picks up camera and mask changes",
    )
    live_fragment_ms: int = Field(
        default=200,
        ge=40,
        le=2000,
        description="Longest fMP4 fragment between keyframes; sets the live latency",
    )


class SessionSettings(Section):
    lifetime_hours: float = Field(
        default=12.0, gt=0, le=24 * 30, description="A session ends this long after login"
    )
    idle_minutes: float = Field(
        default=30.0, gt=0, le=24 * 60, description="A session not used this long ends"
    )
    require_totp_for_admins: bool = Field(
        default=False,
        description="Admins must enrol two-factor authentication before doing anything else",
    )
    token_max_days: int = Field(
        default=365, ge=1, le=3650, description="The longest an API token may live"
    )
    account_free_failures: int = Field(
        default=5, ge=1, le=100, description="Failed logins per account before delays start"
    )
    address_free_failures: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Failed logins per source address before delays start (shared offices)",
    )
    max_lockout_seconds: int = Field(
        default=900, ge=1, le=86_400, description="The longest a lockout lasts"
    )


class KeySettings(Section):
    master_key_file: Path = Field(
        default=Path("keys") / "master.key",
        description="File holding the master key; relative paths are inside DATA_DIR",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="The master key itself (base64 or hex); meant for MIMAMORU_KEYS__MASTER_KEY",
    )
    master_key_command: str | None = Field(
        default=None,
        description="Command that prints the master key (a KMS, HSM or TPM client)",
    )
    master_key_command_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    data_key_period_minutes: int = Field(
        default=60,
        ge=5,
        le=24 * 60,
        description="Footage of one camera in one such period shares a data key",
    )

    @model_validator(mode="after")
    def _one_source(self) -> KeySettings:
        if self.master_key is not None and self.master_key_command:
            raise ValueError("set master_key or master_key_command, not both")
        return self


class StorageSettings(Section):
    min_free_percent: float = Field(
        default=5.0, ge=0, le=90, description="Free space kept on the storage volume (percent)"
    )
    min_free_bytes: int = Field(
        default=2 * 1024**3, ge=0, description="Free space kept on the storage volume (bytes)"
    )
    sweep_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="How often retention and free space are checked"
    )


class AuditSettings(Section):
    anchor_file: Path = Field(
        default=Path("audit") / "anchors.jsonl",
        description="Where the audit chain's head is recorded; put it outside DATA_DIR",
    )
    anchor_minutes: float = Field(
        default=10.0, gt=0, le=24 * 60, description="How often the head is anchored"
    )


class SiteSettings(Section):
    timezone: str = "Asia/Tokyo"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class RequestSettings(Section):
    """Access requests: how long an approval lasts, how many approvers, when pending lapses."""

    approval_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 90,
        description="How long an approved request grants its scope, from the approval",
    )
    required_approvals: int = Field(
        default=1, ge=1, le=2, description="Approvals a request needs (two: four-eyes twice)"
    )
    pending_days: float = Field(
        default=7.0, gt=0, le=365, description="Days after which an undecided request expires"
    )


class ExportSettings(Section):
    max_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="Longest clip one export may hold (minutes)"
    )
    expiry_days: int = Field(
        default=30, ge=1, le=3650, description="Days an export package is kept for download"
    )
    provision_retention_years: int = Field(
        default=3,
        ge=3,
        le=100,
        description="Years a provision register entry is kept (APPI Arts. 29-30: at least 3)",
    )
    verify_max_mb: int = Field(
        default=2048, ge=1, le=65536, description="Largest package the public /verify page takes"
    )


class ComplianceSettings(Section):
    public_base_url: str | None = Field(
        default=None,
        description=(
            "Address the public notice is reached at, printed on signs as a QR code "
            "(e.g. https://cameras.example.jp); default https://HOST:PORT from [server]"
        ),
    )
    mask_review_months: int = Field(
        default=6, ge=1, le=60, description="Masks of each camera are reviewed this often"
    )
    permission_review_months: int = Field(
        default=6, ge=1, le=60, description="Accounts and grants are reviewed this often"
    )
    inactive_account_days: int = Field(
        default=90, ge=1, le=3650, description="An account unused this long is flagged"
    )
    max_retention_hours_without_justification: int = Field(
        default=72,
        ge=1,
        le=24 * 3650,
        description="Retention above this needs a written justification on the dashboard",
    )

    @field_validator("public_base_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = value.strip().rstrip("/")
        scheme, _, rest = cleaned.partition("://")
        if scheme not in ("https", "http") or not rest or any(c.isspace() for c in rest):
            raise ValueError("must be an absolute http(s) URL such as https://cameras.example.jp")
        return cleaned


class FontSettings(Section):
    font_path: Path | None = Field(
        default=None,
        description=(
            "TrueType (.ttf) Japanese font embedded in signage and PDF reports; default: "
            "IPAex Gothic from the Debian package fonts-ipaexfont-gothic"
        ),
    )

    @field_validator("font_path")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        # A system font lives outside the data dir, so a relative path is a mistake.
        if value is not None and not value.is_absolute():
            raise ValueError(f"font_path must be an absolute path, got {str(value)!r}")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MIMAMORU_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    data_dir: Path
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite file DATA_DIR/mimamoru.db"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    server: ServerSettings = ServerSettings()
    recording: RecordingSettings = RecordingSettings()
    sessions: SessionSettings = SessionSettings()
    keys: KeySettings = KeySettings()
    storage: StorageSettings = StorageSettings()
    audit: AuditSettings = AuditSettings()
    site: SiteSettings = SiteSettings()
    requests: RequestSettings = RequestSettings()
    exports: ExportSettings = ExportSettings()
    compliance: ComplianceSettings = ComplianceSettings()
    fonts: FontSettings = FontSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFileSource(settings_cls, _config_file.get()))

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'mimamoru.db'}"

    @property
    def tls_cert_path(self) -> Path:
        return self._in_data_dir(self.server.tls_cert, Path("tls") / "cert.pem")

    @property
    def tls_key_path(self) -> Path:
        return self._in_data_dir(self.server.tls_key, Path("tls") / "key.pem")

    @property
    def master_key_path(self) -> Path:
        return self._in_data_dir(self.keys.master_key_file, Path("keys") / "master.key")

    @property
    def audit_anchor_path(self) -> Path:
        return self._in_data_dir(self.audit.anchor_file, Path("audit") / "anchors.jsonl")

    @property
    def segments_dir(self) -> Path:
        return self.data_dir / "segments"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def public_base_url(self) -> str:
        """Where the public notice lives; from [server] when not set explicitly."""
        if self.compliance.public_base_url:
            return self.compliance.public_base_url
        scheme = "http" if self.server.insecure_http else "https"
        host = self.server.host
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 -- reading the setting, not binding
            host = "localhost"
        elif ":" in host:
            host = f"[{host}]"
        default_port = 80 if self.server.insecure_http else 443
        port = "" if self.server.port == default_port else f":{self.server.port}"
        return f"{scheme}://{host}{port}"

    def _in_data_dir(self, configured: Path | None, default: Path) -> Path:
        path = configured if configured is not None else default
        return path if path.is_absolute() else self.data_dir / path


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads the installation's TOML file, turning syntax errors into one line."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self._data: dict[str, Any] = {}
        if path is None or not path.exists():
            return
        try:
            self._data = tomllib.loads(path.read_text(encoding="utf-8"))
            if "data_dir" in self._data:
                raise SettingsError(
                    f"invalid settings: data_dir: cannot be set in {path.name}; "
                    "the data dir is where this file lives (--data-dir)"
                )
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: invalid TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: cannot read settings file: {exc}") from exc

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


def load_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Build the settings for the installation in ``data_dir``.

    ``overrides`` are values the CLI was given explicitly; ``None`` values are
    ignored so that an unset flag does not mask the file or the environment.
    Nested sections are passed as dicts, e.g. ``server={"port": 9000}``.
    """
    data_dir = data_dir.expanduser().resolve()
    config_path = data_dir / CONFIG_FILE_NAME
    _reject_unknown_environment(os.environ)
    token = _config_file.set(config_path)
    try:
        explicit = _drop_none(overrides)
        settings = Settings(data_dir=data_dir, **explicit)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc, config_path)) from exc
    finally:
        _config_file.reset(token)
    _check_named_files(settings)
    return settings


def _reject_unknown_environment(environ: Mapping[str, str]) -> None:
    """A misspelt ``MIMAMORU_*`` variable would otherwise be silently ignored."""
    prefix = "MIMAMORU_"
    known = set(Settings.model_fields) - {"data_dir"}  # the data dir comes from --data-dir
    for name in environ:
        if not name.upper().startswith(prefix):
            continue
        top_level = name[len(prefix) :].split("__", 1)[0].lower()
        if top_level not in known:
            raise SettingsError(
                f"invalid settings: environment variable {name}: unknown setting "
                f"(known: {', '.join(sorted(known))}; nested keys use '__')"
            )


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            nested = _drop_none(value)
            if nested:
                cleaned[key] = nested
        elif value is not None:
            cleaned[key] = value
    return cleaned


def _check_named_files(settings: Settings) -> None:
    """Files the operator named explicitly must exist; defaults are checked where used."""
    for key, configured, resolved in (
        ("server.tls_cert", settings.server.tls_cert, settings.tls_cert_path),
        ("server.tls_key", settings.server.tls_key, settings.tls_key_path),
    ):
        if configured is not None and not resolved.is_file():
            raise SettingsError(f"invalid settings: {key}: file not found: {resolved}")


def describe_validation_error(exc: ValidationError, config_path: Path) -> str:
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(root)"
        if error["type"] == "extra_forbidden":
            reason = "unknown setting"
        else:
            reason = error["msg"]
            if "input" in error and not isinstance(error["input"], dict | list):
                reason += f" (got {error['input']!r})"
        problems.append(f"{key}: {reason}")
    return (
        "invalid settings: "
        + "; ".join(problems)
        + f" (from {config_path} or MIMAMORU_* environment variables)"
    )
