"""Briefs: a prompt read into typed requests (room, zones, size, objects with counts, relations,
exclusions) that the planner, RL tasks and the judge share. `parse_brief` is the one reader."""

from agentscene.brief.model import MAX_COUNT, Brief, BriefObject, Relation, RoomSize, Zone
from agentscene.brief.parse import MAX_BRIEF_CHARS, BriefError, parse_brief

__all__ = ["MAX_BRIEF_CHARS", "MAX_COUNT", "Brief", "BriefError", "BriefObject", "Relation", "RoomSize", "Zone",
           "parse_brief"]
