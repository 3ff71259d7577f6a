"""Makino's approval of the words Pattern 4 may give as his: drafts, his decisions, where they are written."""
from bot.approvals.decisions import ApprovalDecision, Approvals, Decided

__all__ = ["ApprovalDecision", "Approvals", "Decided"]
