"""A required monitoring agent: a role (EDR, log forwarding) met by any one of several names."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AgentRequirement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str = Field(min_length=1)
    any_of: list[str] = Field(min_length=1)
