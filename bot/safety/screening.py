"""What the screening found in one message, and which reader found it."""
from __future__ import annotations

from dataclasses import dataclass

FLAGS = ("crisis", "distress", "compliance", "wants_human", "someone_in_danger")


@dataclass(frozen=True)
class Screening:
    """What the checks found in one message."""

    crisis: bool = False  # the writer may be in danger: help lines and an urgent escalation
    distress: bool = False  # weaker but worrying signs: answer, add a gentle line, a person looks
    compliance: bool = False
    wants_human: bool = False
    # the crisis is someone else's life in danger, told by the writer: a reply for those around them
    someone_in_danger: bool = False
    # the rules read a crisis told as past and over (死にたいと思った時期もあったが、今は…) and none now
    told_as_over: bool = False
    why: tuple[str, ...] = ()  # the readers' reasons ("rules:crisis", "model:crisis=0.93"), for logs and eval

    def __or__(self, other: "Screening") -> "Screening":
        crisis = self.crisis or other.crisis
        # The writer's own crisis, found by either reading, is answered as the writer's.
        others = crisis and all(s.someone_in_danger for s in (self, other) if s.crisis)
        compliance = self.compliance or other.compliance
        wants_human = self.wants_human or other.wants_human
        return Screening(crisis=crisis, distress=self.distress or other.distress,
                         compliance=compliance, wants_human=wants_human, someone_in_danger=others,
                         told_as_over=self.told_as_over or other.told_as_over,
                         why=self.why + tuple(w for w in other.why if w not in self.why))

    def flags_set(self) -> list[str]:
        """The names of the flags that are on."""
        return [name for name in FLAGS if getattr(self, name)]

    @property
    def feelings(self) -> bool:
        """Whether the message shows feelings a person should answer warmly (crisis or distress)."""
        return self.crisis or self.distress
