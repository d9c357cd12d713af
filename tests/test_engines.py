"""BriefMapper on the real engines, in local mode, against the fake OpenAI server on 127.0.0.1:
Ray Data's `map_batches` over actors and Spark's `mapInPandas` with the pyarrow schema turned
into Spark's. Where BRIEFING_REQUIRE_ENGINES is set (CI sets it), a missing engine or Java
fails instead of skipping. Each engine starts once per module: their start-up is slow."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import shutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from briefing import BriefMapper, FrameSettings, frame_schema

from .conftest import authored
from .test_frame import STEMS, FakeServer, marked

REQUIRED = bool(os.environ.get("BRIEFING_REQUIRE_ENGINES"))
pd = pytest.importorskip("pandas")


def engine(name: str, extra: str) -> ModuleType:
    """The engine's module, or a skip (a failure where engines are required)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if REQUIRED:
            raise AssertionError(f"BRIEFING_REQUIRE_ENGINES is set but {name} is missing") from exc
        pytest.skip(f"needs {name}: pip install -e '.[{extra}]'")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    running = FakeServer()
    yield running
    running.stop()


def articles() -> Any:
    """Three seed articles the server answers, one it cannot brief (empty), one per id."""
    texts = [marked(STEMS[0], "e-1"), marked(STEMS[1], "e-2"), "", marked(STEMS[2], "e-3")]
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "text": texts,
            "published": [dt.date(2024, 5, 1), None, dt.date(2024, 5, 3), dt.date(2024, 5, 4)],
        }
    )


def check(out: Any) -> None:
    out = out.sort_values("id").reset_index(drop=True)
    assert out["id"].tolist() == [1, 2, 3, 4]
    assert out["ok"].tolist() == [True, True, False, True]
    assert out["error_type"].tolist()[2] == "InputError"
    assert out["headline"][0] == authored(STEMS[0])["headline"]
    assert out["headline"][3] == authored(STEMS[2])["headline"]
    assert (out["total_tokens"][[0, 1, 3]] > 0).all()


@pytest.fixture(scope="module")
def ray() -> Iterator[ModuleType]:
    module = engine("ray", "ray")
    engine("ray.data", "ray")
    # Logical CPUs: two for the actors, one left for Ray Data's own tasks (on 2 real cores)
    module.init(num_cpus=3, include_dashboard=False, log_to_driver=False,
                _node_ip_address="127.0.0.1", configure_logging=False)  # fmt: skip
    yield module
    module.shutdown()


def test_ray_data_map_batches_over_two_actors(ray: ModuleType, server: FakeServer) -> None:
    settings = FrameSettings(base_url=server.base_url, api_key_env=None, cache=False,
                             keep=("id",), concurrency=4)  # fmt: skip
    df = articles()
    ds = ray.data.from_pandas([df.iloc[:2], df.iloc[2:]]).map_batches(  # two blocks
        BriefMapper, fn_constructor_args=(settings,), batch_format="pandas", concurrency=2,
        batch_size=2,
    )  # fmt: skip
    out = ds.to_pandas()
    check(out)
    schema = ds.schema()
    assert list(schema.names) == ["id", *frame_schema().names]
    assert list(schema.types)[1:] == [f.type for f in frame_schema()]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    sql = engine("pyspark.sql", "spark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if REQUIRED:
            raise AssertionError("BRIEFING_REQUIRE_ENGINES is set but there is no java")
        pytest.skip("Spark needs Java 17: apt-get install default-jre-headless")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        patch.setenv("PYSPARK_PYTHON", os.environ.get("PYSPARK_PYTHON", _python()))
        session = (
            sql.SparkSession.builder.master("local[2]")
            .appName("briefing-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


def _python() -> str:
    import sys

    return sys.executable


def test_spark_map_in_pandas_with_the_schema_from_pyarrow(spark: Any, server: FakeServer) -> None:
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StructType

    settings = FrameSettings(base_url=server.base_url, api_key_env=None, cache=False,
                             keep=("id",), concurrency=4)  # fmt: skip
    df = spark.createDataFrame(articles()).repartition(2)
    schema = StructType([df.schema["id"], *from_arrow_schema(frame_schema()).fields])
    out = df.mapInPandas(BriefMapper(settings), schema).toPandas()
    check(out)
