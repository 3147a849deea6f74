"""揭榜挂帅 / 招标 innovation projects (fusion.md §4): calls, bids, the project that a winning
bid becomes (a key task of the issuing organisation's list), its stages, outcome metrics and
awards by level."""
