"""The usage plans the stand-ins enforce: a token bucket per key, as Amazon and Slack describe their limits."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

JITTER = 0.05  # seconds of network jitter a request may arrive early by and still be let in


@dataclass
class TokenBucket:
    """`rate` requests per second with bursts of `burst`; `take()` answers whether a request may pass."""

    rate: float
    burst: float
    _tokens: dict[str, float] = field(default_factory=dict)
    _at: dict[str, float] = field(default_factory=dict)
    refused: int = 0

    def take(self, key: str = "", now: float | None = None) -> bool:
        """Spend one token for `key`; False (and counted) when the plan is used up."""
        now = time.monotonic() if now is None else now
        tokens = min(
            self.burst, self._tokens.get(key, self.burst) + (now - self._at.get(key, now)) * self.rate
        )
        self._at[key] = now
        if tokens + JITTER * self.rate >= 1.0:
            self._tokens[key] = tokens - 1.0
            return True
        self._tokens[key] = tokens
        self.refused += 1
        return False

    def retry_after(self, key: str = "") -> float:
        """Seconds until the next token for `key`."""
        return max(0.0, (1.0 - self._tokens.get(key, self.burst)) / self.rate)
