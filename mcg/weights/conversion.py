"""Checkpoint conversion with an audit trail: mapped, dropped, added.

A converter is an ordered list of rules (regex over the source key ->
handler). Every source key must match a rule, and the handler either maps it
into the target state dict or drops it with a reason; :func:`apply_rules`
raises :class:`UnmappedKeysError` for keys no rule covers, so a checkpoint
with an unexpected layout fails loudly instead of half-loading. The result,
:class:`Conversion`, records what happened to every key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from torch import Tensor


class UnmappedKeysError(KeyError):
    """Source keys that no conversion rule maps or explicitly drops."""


@dataclass
class Conversion:
    """A converted state dict and the record of how it was produced.

    Attributes:
        state_dict: Target keys -> tensors.
        mapped: Source key -> target keys it was copied (or resized) into.
        dropped: Source key -> reason it is not used.
        added: Target key -> how it was synthesised (not in the source).
    """

    state_dict: Dict[str, Tensor] = field(default_factory=dict)
    mapped: Dict[str, List[str]] = field(default_factory=dict)
    dropped: Dict[str, str] = field(default_factory=dict)
    added: Dict[str, str] = field(default_factory=dict)

    def map(self, src: str, dst: str, value: Tensor) -> None:
        """Record ``src`` -> ``dst`` and store ``value`` under ``dst``."""
        if dst in self.state_dict:
            raise KeyError(f'two source keys map to {dst!r}')
        self.state_dict[dst] = value
        self.mapped.setdefault(src, []).append(dst)

    def drop(self, src: str, reason: str) -> None:
        """Record that ``src`` is deliberately not used."""
        self.dropped[src] = reason

    def add(self, dst: str, value: Tensor, reason: str) -> None:
        """Store a synthesised target tensor."""
        self.state_dict[dst] = value
        self.added[dst] = reason

    def summary(self) -> str:
        """One line of counts plus the reasons for dropped keys, grouped."""
        reasons: Dict[str, int] = {}
        for reason in self.dropped.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        lines = [f'{len(self.mapped)} source keys mapped to '
                 f'{sum(map(len, self.mapped.values()))} target keys, '
                 f'{len(self.dropped)} dropped, {len(self.added)} added']
        lines += [f'  dropped {n}: {r}' for r, n in sorted(reasons.items())]
        lines += [f'  added {k}: {r}' for k, r in sorted(self.added.items())]
        return '\n'.join(lines)

    def check_against(self, target: Dict[str, Tensor]) -> List[str]:
        """Check shapes against a model's state dict.

        Args:
            target: The receiving model's ``state_dict()``.

        Returns:
            Target keys the conversion does not provide (left at their init).

        Raises:
            KeyError: The conversion produced keys the model does not have,
                or tensors of the wrong shape.
        """
        extra = sorted(set(self.state_dict) - set(target))
        bad = [f'{k}: {tuple(v.shape)} vs model {tuple(target[k].shape)}'
               for k, v in self.state_dict.items()
               if k in target and v.shape != target[k].shape]
        if extra or bad:
            raise KeyError(f'converted state dict does not fit the model: '
                           f'unknown keys {extra[:20]}, shape mismatches '
                           f'{bad[:20]}')
        return sorted(set(target) - set(self.state_dict))


#: What a rule does with a matching key: handler(match, key, value, conv).
Handler = Callable[[re.Match, str, Tensor, Conversion], None]
#: A rule: regex over the source key -> handler.
Rule = Tuple[str, Handler]


def apply_rules(state_dict: Dict[str, Tensor], rules: Sequence[Rule],
                conv: Optional[Conversion] = None) -> Conversion:
    """Run the first matching rule for every key; fail on uncovered keys.

    Args:
        state_dict: Source state dict.
        rules: Ordered ``(regex, handler)`` pairs; ``re.fullmatch`` is used.
        conv: Conversion to extend (a new one if None).

    Returns:
        The conversion.

    Raises:
        UnmappedKeysError: Keys that no rule matched.
    """
    conv = conv or Conversion()
    compiled = [(re.compile(p), h) for p, h in rules]
    unmatched = []
    for key, value in state_dict.items():
        for pattern, handler in compiled:
            match = pattern.fullmatch(key)
            if match:
                handler(match, key, value, conv)
                break
        else:
            unmatched.append(key)
    if unmatched:
        raise UnmappedKeysError(
            f'{len(unmatched)} checkpoint keys match no conversion rule '
            f'(neither mapped nor dropped): {unmatched[:30]}')
    return conv
