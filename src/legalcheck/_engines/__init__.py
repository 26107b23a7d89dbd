"""The engines that evaluate compiled rules over facts: the protocol and its two implementations."""
