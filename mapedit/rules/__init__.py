"""Rule checker: findings, rules and the incremental engine (no Qt)."""
