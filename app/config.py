"""Settings: the only place that reads the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration, read from `BLUEPRINT_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_", extra="ignore")

    data_dir: Path = Field(default=Path("var"),
                           description="Spooled uploads, staging files, the SQLite file, the columnar copies.")
    database_url: str = Field(default="", description="SQLAlchemy URL; default: SQLite under data_dir.")
    bootstrap_api_key: str | None = Field(default=None, description="Admin key ensured at start-up.")
    bootstrap_workspace: str = Field(default="demo", description="Workspace that owns the bootstrap key.")
    max_upload_mb: int = Field(default=1024, description="Largest request body accepted (413 beyond).")
    max_decompressed_mb: int = Field(default=8192, description="Largest decompressed size of a .gz upload.")
    max_decompression_ratio: int = Field(default=200, description="Refuse gzip that inflates more than this.")
    max_columns: int = Field(default=2000, description="Refuse files with more columns or attributes.")
    max_line_mb: int = Field(default=16, description="Longest CSV/JSON line accepted.")
    async_upload_mb: float = Field(default=8.0, description="Uploads larger than this answer 202 at once.")
    insert_chunk_rows: int = Field(default=100_000, description="Rows per bulk-insert chunk.")
    max_reported_errors: int = Field(default=100, description="Row errors listed per upload.")
    worker: Literal["thread", "process", "none"] = Field(
        default="thread", description="The worker beside the API: a child process (what `serve` runs), a thread "
                                      "(tests), or none (when `blueprint-miner worker` processes run apart).")
    sqlite_busy_timeout_s: float = Field(
        default=10.0, gt=0, description="SQLite: how long an API request waits for another process's write before "
                                        "answering 503 with Retry-After.")
    secret_key: str | None = Field(
        default=None, description="Encrypts stored sync credentials (a Fernet key, or any passphrase, hashed to "
                                  "one); unset: a key generated once into data_dir/secret.key.")
    log_level: str = Field(default="INFO")
    log_json: bool = Field(default=True, description="Structured (JSON lines) logs.")

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file (its folder is made if missing)."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'blueprint.sqlite').resolve()}"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def staging_dir(self) -> Path:
        return self.data_dir / "staging"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own)."""
    return Settings()
