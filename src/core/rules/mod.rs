//! The rule engine: GrowthBook-compatible conditions, hashing and bucketing.
