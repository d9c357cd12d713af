"""Briefing pandas frames, and the picklable mapper that Ray Data, Spark and Dask map over
batches (`[frame]` extra: pandas and pyarrow; imported only when used)."""

from briefing.frame.frame import brief_frame
from briefing.frame.mapper import BriefMapper, FrameSettings
from briefing.frame.schema import COLUMNS, frame_schema

__all__ = ["COLUMNS", "BriefMapper", "FrameSettings", "brief_frame", "frame_schema"]
