"""Replies to buyers: the template library and the policy guard every outgoing text passes."""
